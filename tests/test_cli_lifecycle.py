"""``mlkit lifecycle ...`` run as a real subprocess (real SQLite; SageMaker is the moto server)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def mlkit(*args, cwd, env=None):
    return subprocess.run(
        [sys.executable, "-m", "jupyter_mlkit.cli", "lifecycle", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd(), **(env or {})},
    )


@pytest.fixture
def work(tmp_path):
    (tmp_path / "start.sh").write_text('echo "started $MLKIT_LIFECYCLE_HOOK in $PWD"\n')
    (tmp_path / "create.sh").write_text("echo created\n")
    return tmp_path


def test_create_list_show_attach_run_logs_delete(work):
    out = mlkit("create", "setup", "--on-create", "create.sh", "--on-start", "start.sh", cwd=work)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "saved setup version 1"

    out = mlkit(
        "create",
        "stopper",
        "--template",
        "auto-stop-idle",
        "--param",
        "IDLE_SECONDS=90",
        cwd=work,
    )
    assert out.returncode == 0, out.stderr
    assert mlkit("attach", "setup", "--server", "box", cwd=work).returncode == 0
    listing = mlkit("list", "--server", "box", cwd=work).stdout.splitlines()
    assert listing[0].split()[:4] == ["*", "setup", "v1", "on-create,on-start"]
    assert listing[1].split()[:3] == ["stopper", "v1", "on-start"]

    shown = mlkit("show", "stopper", cwd=work).stdout
    assert "IDLE_SECONDS=90" in shown and "--- on-create ---\n(none)" in shown

    out = mlkit("run", "setup", "--hook", "on-start", "--server", "box", cwd=work)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"started on-start in {work}\n"
    assert "box/LifecycleConfigOnStart" in out.stderr and "succeeded" in out.stderr
    logs = mlkit("logs", "setup", cwd=work)
    assert logs.stdout == f"started on-start in {work}\n"
    history = mlkit("logs", "setup", "--history", cwd=work).stdout.split()
    assert history[1:3] == ["on-start", "succeeded"]

    out = mlkit("delete", "setup", cwd=work)
    assert out.returncode == 2 and "detach it first" in out.stderr
    assert "detached from box" in mlkit("detach", "--server", "box", cwd=work).stdout
    assert mlkit("delete", "setup", cwd=work).returncode == 0
    out = mlkit("show", "setup", cwd=work)
    assert out.returncode == 2 and out.stderr == "error: no lifecycle configuration named 'setup'\n"


def test_bad_input_is_refused_before_anything_is_saved(work):
    (work / "crlf.sh").write_bytes(b"echo hi\r\n")
    (work / "latin1.sh").write_bytes(b"echo caf\xe9\n")
    (work / "syntax.sh").write_text("if then fi\n")
    out = mlkit("create", "bad", "--on-create", "latin1.sh", "--on-start", "crlf.sh", cwd=work)
    assert out.returncode == 2
    assert "2 problem(s)" in out.stderr and "on-create" in out.stderr and "on-start" in out.stderr
    out = mlkit("create", "bad", "--on-start", "syntax.sh", cwd=work)
    assert out.returncode == 2 and "on-start line 1" in out.stderr
    out = mlkit("create", "bad name", "--on-start", "syntax.sh", cwd=work)
    assert out.returncode == 2 and "name" in out.stderr
    out = mlkit("create", "bad", "--template", "clone-git-repo", cwd=work)
    assert out.returncode == 2 and "needs parameter REPO_URL" in out.stderr
    assert "no lifecycle configurations" in mlkit("list", cwd=work).stdout


def test_failing_run_exits_1_with_its_output(work):
    (work / "fail.sh").write_text("echo about to fail\nexit 7\n")
    assert mlkit("create", "failing", "--on-start", "fail.sh", cwd=work).returncode == 0
    out = mlkit("run", "failing", cwd=work)
    assert out.returncode == 1
    assert out.stdout == "about to fail\n" and "failed (exit 7)" in out.stderr
    assert "install-pip-packages" in mlkit("templates", cwd=work).stdout


def test_publish_and_import_against_moto(work, aws):
    assert mlkit("create", "setup", "--on-start", "start.sh", cwd=work).returncode == 0
    out = mlkit("publish", "setup", cwd=work)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("created arn:aws:sagemaker:")
    out = mlkit("import", "setup", "--as", "setup-copy", cwd=work)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "imported setup as setup-copy version 1"
    original = mlkit("show", "setup", cwd=work).stdout.splitlines()[1:]
    copied = mlkit("show", "setup-copy", cwd=work).stdout.splitlines()[1:]
    assert copied == original
    out = mlkit("import", "absent", cwd=work)
    assert out.returncode == 2 and "SageMaker" in out.stderr


def test_magic_list_run_logs(work, monkeypatch, capsys):
    """``%mlkit_lifecycle`` in a real IPython shell (same store as the CLI)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython() or InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_mlkit")
    monkeypatch.chdir(work)
    assert mlkit("create", "setup", "--on-start", "start.sh", cwd=work).returncode == 0
    capsys.readouterr()  # "already loaded" when another test loaded it in this shell
    record = ip.run_line_magic("mlkit_lifecycle", "run setup --hook on-start")
    assert record.status == "succeeded" and record.hook == "on_start"
    out = capsys.readouterr()
    assert out.out == f"started on-start in {work}\n"
    ip.run_line_magic("mlkit_lifecycle", "logs setup")
    assert capsys.readouterr().out == f"started on-start in {work}\n"
    assert ip.run_line_magic("mlkit_lifecycle", "run setup --hook on-create") is None
    assert "on-create has no script" in capsys.readouterr().err
    assert ip.run_line_magic("mlkit_lifecycle", "logs nope") is None
    assert capsys.readouterr().err == ("mlkit_lifecycle: no lifecycle configuration named 'nope'\n")
    ip.run_line_magic("mlkit_lifecycle", "list")
    assert "unknown command" not in capsys.readouterr().err
