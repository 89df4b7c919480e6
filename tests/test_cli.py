"""The ``mlkit`` command, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def mlkit(*args, cwd, env=None):
    return subprocess.run(
        [sys.executable, "-m", "jupyter_mlkit.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "sales.csv").write_text("region,qty\nnorth,3\nsouth,\n")
    return tmp_path


def test_status_json(workdir):
    out = mlkit("status", "--json", cwd=workdir)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data["capabilities"]) >= {"quality", "monitor", "aws"}


def test_profile_then_jobs_list_show_logs(workdir):
    out = mlkit("profile", "sales.csv", cwd=workdir)
    assert out.returncode == 0, out.stderr
    assert "2 rows, 2 columns" in out.stdout
    job_id = out.stdout.split()[1].rstrip(":")
    listing = mlkit("jobs", "list", "--json", cwd=workdir)
    jobs = json.loads(listing.stdout)["jobs"]
    assert [j["id"] for j in jobs] == [job_id] and jobs[0]["origin"] == "cli"
    shown = json.loads(mlkit("jobs", "show", job_id, cwd=workdir).stdout)
    assert shown["result"]["rows"] == 2
    logs = mlkit("jobs", "logs", job_id, cwd=workdir)
    assert "completed" in logs.stdout


def test_user_errors_are_one_line_exit_2(workdir):
    out = mlkit("profile", "../../etc/passwd", cwd=workdir)
    assert out.returncode == 2
    assert out.stderr.strip().startswith("error:") and "outside" in out.stderr
    assert "Traceback" not in out.stderr
    out = mlkit("jobs", "show", "f" * 32, cwd=workdir)
    assert out.returncode == 2 and "no job" in out.stderr
    out = mlkit("profile", "missing.csv", cwd=workdir)
    assert out.returncode == 2 and "not found" in out.stderr


def test_cancel_from_cli(workdir):
    from jupyter_mlkit.jobs import start_job

    job = start_job("sleep", {"seconds": 60}, root_dir=workdir, origin="cli")
    out = mlkit("jobs", "cancel", job["id"], cwd=workdir)
    assert out.returncode == 0, out.stderr
    assert "cancelled" in out.stdout
