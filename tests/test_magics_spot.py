"""``%mlkit_spot_train`` in a real IPython shell: a real spot-run job (worker, supervisor, the
example script, real SIGTERM notices) followed by the live widget in a background thread."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.testing.globalipapp import start_ipython

from jupyter_mlkit.jobs import JobStore
from jupyter_mlkit.widgets.spot_view import SpotView, render_timeline

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ip():
    shell = start_ipython() or InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_mlkit")
    return shell


@pytest.fixture
def shown(monkeypatch):
    seen = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: seen.extend(objs))
    return seen


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the training script imports jupyter_mlkit
    shutil.copy(ROOT / "examples" / "spot_train.py", tmp_path / "train.py")
    return tmp_path


def test_magic_is_registered(ip):
    assert "mlkit_spot_train" in ip.magics_manager.magics["line"]


def test_background_run_with_live_widget(ip, shown, workdir):
    out = ip.run_line_magic(
        "mlkit_spot_train",
        "--simulate-interruptions 2 --mode notice --seed 3 --wait-scale 0.001 "
        "--checkpoint-uri ck train.py --steps 300",
    )
    assert out is None  # background: the cell returns at once
    (view,) = shown
    assert isinstance(view, SpotView)
    assert view.thread is not None
    view.thread.join(timeout=150)
    assert not view.thread.is_alive()

    job = JobStore().get(view.job["id"])
    assert job["kind"] == "spot-run" and job["origin"] == "notebook"
    assert job["state"] == "completed", job["error"]
    assert job["parameters"]["command"][0] == sys.executable
    assert job["parameters"]["checkpoint_uri"] == str(workdir / "ck")
    assert view.bar.value == 1.0 and view.bar.bar_style == "success"
    assert view.interruptions == 2
    assert view.status == "Completed"
    assert "interruptions <b>2</b>" in view.counts.value
    assert "savings <b>70.0%</b>" in view.result.value
    assert view.timeline.value.count(", resumed from") == 2  # the interruption rows
    assert (workdir / "final_weights.pt").is_file()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("missing.py", "file not found: 'missing.py'"),
        ("--max-run 100 --max-wait 50 train.py", "max_wait_s (50.0) must be >= max_run_s"),
        ("--mode sometimes train.py", "'mode' must be one of"),
        ("--seed x train.py", "argument --seed: invalid int value"),
        ("", "the following arguments are required: script"),
    ],
)
def test_bad_lines_say_why_and_start_nothing(ip, shown, workdir, capsys, line, message):
    assert ip.run_line_magic("mlkit_spot_train", line) is None
    assert message in capsys.readouterr().err
    assert shown == []
    assert JobStore().list(kind="spot-run")["total"] == 0


def test_timeline_keeps_the_newest_rows():
    events = [
        {"type": "transition", "Status": f"S{i}", "StartTime": 0.0, "StatusMessage": "m"}
        for i in range(20)
    ]
    events.append(
        {"type": "interruption", "mode": "kill", "step": 40, "durable_step": 20, "attempt": 1}
    )
    html = render_timeline(events)
    assert html.count("<li") == 12
    assert "S8" not in html and "S9" in html and "S19" in html
    assert "interruption (kill) at step 40, resumed from 20" in html
