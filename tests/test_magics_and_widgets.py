"""``%load_ext jupyter_mlkit`` and ``%mlkit`` in a real IPython shell; the job widget."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.testing.globalipapp import start_ipython


@pytest.fixture(scope="module")
def ip():
    shell = start_ipython() or InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_mlkit")
    return shell


def test_magic_registered(ip):
    assert "mlkit" in ip.magics_manager.magics["line"]


def test_profile_magic_runs_a_job_visible_to_the_store(ip, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("x\n1\n2\n3\n")
    job = ip.run_line_magic("mlkit", "profile d.csv")
    assert job["state"] == "completed" and job["origin"] == "notebook"
    assert job["result"]["rows"] == 3
    from jupyter_mlkit.jobs import JobStore

    assert JobStore().get(job["id"])["state"] == "completed"
    ip.run_line_magic("mlkit", "jobs")
    ip.run_line_magic("mlkit", "status")


def test_magic_user_errors_print_one_line(ip, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert ip.run_line_magic("mlkit", "profile /etc/passwd") is None
    err = capsys.readouterr().err
    assert err.startswith("mlkit: ") and "outside" in err and "Traceback" not in err
    ip.run_line_magic("mlkit", "frobnicate")
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_job_progress_widget_follows_to_completion(tmp_path):
    from jupyter_mlkit.jobs import start_job
    from jupyter_mlkit.widgets import JobProgress

    job = start_job("sleep", {"seconds": 0.5, "steps": 5}, root_dir=tmp_path, origin="notebook")
    view = JobProgress(job)
    seen = []
    original = view.update
    view.update = lambda j: (seen.append(j["progress"]), original(j))
    final = view.follow(timeout_s=60)
    assert final["state"] == "completed"
    assert view.bar.value == 1.0 and view.bar.bar_style == "success"
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert "slept_s" in view.result.value
