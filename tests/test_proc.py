"""Background processes lower their CPU priority, also across the new sessions they start in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jupyter_mlkit.proc import niced_command

# the child reports its nice value and its autogroup line (Linux with sched_autogroup)
PROBE = textwrap.dedent(
    """
    import json, os, sys
    try:
        group = open("/proc/self/autogroup").read().strip()
    except OSError:
        group = None
    json.dump({"nice": os.getpriority(os.PRIO_PROCESS, 0), "group": group,
               "sid": os.getsid(0), "pid": os.getpid()}, open(sys.argv[1], "w"))
    """
)
HAS_AUTOGROUP = Path("/proc/self/autogroup").exists()


def check(report: dict, niceness: int) -> None:
    assert report["nice"] == niceness
    if HAS_AUTOGROUP and report["group"] is not None:
        assert report["group"].endswith(f"nice {niceness}"), report["group"]


def test_niced_command_lowers_priority_before_the_command_runs(tmp_path):
    out = tmp_path / "probe.json"
    argv = niced_command([sys.executable, "-c", PROBE, str(out)], 6)
    subprocess.run(argv, check=True, timeout=60, start_new_session=True)
    report = json.loads(out.read_text())
    assert report["sid"] == report["pid"]  # its own session, so its own autogroup
    check(report, 6)
    assert niced_command(["x"], 0) == ["x"]


def test_spot_children_keep_the_supervisors_priority_in_their_new_session(tmp_path):
    """As in a job worker (nice 10): the training child must not get its CPU share back."""
    out = tmp_path / "probe.json"
    code = textwrap.dedent(
        f"""
        import os, sys
        os.nice(4)
        from jupyter_mlkit.spot import run_spot_job
        r = run_spot_job([sys.executable, "-c", {PROBE!r}, {str(out)!r}],
                         checkpoint_uri={str(tmp_path / "ck")!r}, max_run_s=60)
        assert r.status == "Completed", r.failure_reason
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, env=os.environ.copy())
    check(json.loads(out.read_text()), 4)


def test_explicit_niceness(tmp_path):
    from jupyter_mlkit.spot import run_spot_job

    out = tmp_path / "probe.json"
    with pytest.warns(UserWarning, match="no resume possible"):
        r = run_spot_job(
            [sys.executable, "-c", PROBE, str(out)],
            checkpoint_uri=str(tmp_path / "ck"),
            max_run_s=60,
            niceness=7,
        )
    assert r.status == "Completed"
    check(json.loads(out.read_text()), 7)
