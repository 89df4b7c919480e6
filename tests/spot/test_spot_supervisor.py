"""run_spot_job against real child processes (a torch-free stand-in script, real signals)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jupyter_mlkit.spot import INTERRUPTED_EXIT_CODE, Interruption, InterruptionPlan, run_spot_job
from jupyter_mlkit.spot.supervisor import NO_RESUME, build_command

HERE = Path(__file__).parent
FAKE = [sys.executable, str(HERE / "fake_child.py")]


def statuses(result):
    return [t["Status"] for t in result.secondary_transitions]


def test_max_wait_below_max_run_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"max_wait_s \(10\) must be >= max_run_s \(60\)"):
        run_spot_job(FAKE + ["5"], checkpoint_uri=str(tmp_path), max_run_s=60, max_wait_s=10)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fallback": "retry"}, "fallback must be 'on-demand' or 'fail'"),
        ({"max_run_s": 0}, "max_run_s must be > 0"),
        ({"nproc": 0}, "nproc must be >= 1"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    args = {"checkpoint_uri": str(tmp_path), "max_run_s": 60, **kwargs}
    with pytest.raises(ValueError, match=message):
        run_spot_job(FAKE + ["5"], **args)
    with pytest.raises(ValueError, match="command is empty"):
        run_spot_job([], checkpoint_uri=str(tmp_path), max_run_s=60)


def test_uninterrupted_run_follows_sagemaker_sequence_and_saves_70_percent(tmp_path):
    events, progress = [], []
    r = run_spot_job(
        FAKE + ["20"],
        checkpoint_uri=str(tmp_path / "ck"),
        max_run_s=60,
        instance_type="ml.g5.xlarge",
        on_event=events.append,
        progress=progress.append,
    )
    assert r.status == "Completed" and r.secondary_status == "Completed"
    assert statuses(r) == ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert all(t["EndTime"] is not None for t in r.secondary_transitions)
    assert r.interruptions == [] and r.attempts == 1 and r.final_step == 20
    # ml.g5.xlarge in the shipped table: spot 0.4224 / on-demand 1.408 = 0.30 -> 70 % savings
    assert r.savings_pct == pytest.approx(70.0)
    assert r.billable_s == pytest.approx(r.training_s * 0.3)
    assert [m["step"] for m in r.metrics] == [10, 20]
    assert progress[-1]["step"] == 20 and progress[-1]["fraction"] == 1.0
    assert {"transition", "ready", "metric", "save_done", "result"} <= {e["type"] for e in events}


def test_notice_interruptions_restart_and_resume(tmp_path):
    plan = InterruptionPlan([Interruption(0.1, "notice", 3.0), Interruption(0.1, "notice", 2.0)])
    r = run_spot_job(
        FAKE + ["40"],
        checkpoint_uri=str(tmp_path / "ck"),
        max_run_s=60,
        interruptions=plan,
        notice_s=5,
        wait_time_scale=0.0,
    )
    assert r.status == "Completed"
    assert [i.mode for i in r.interruptions] == ["notice", "notice"]
    assert all(i.saved_on_notice and i.lost_work_s == 0 for i in r.interruptions)
    assert r.waited_s == pytest.approx(5.0)  # simulated waits count, though nobody slept
    assert r.attempts == 3 and r.final_step == 40
    s = statuses(r)
    assert s[:4] == ["Starting", "Downloading", "Training", "Interrupted"]
    assert s.count("Interrupted") == 2 and s[-2:] == ["Uploading", "Completed"]
    # the second attempt resumed where the first stopped
    assert r.interruptions[1].step > r.interruptions[0].step


def test_kill_loses_work_since_last_save(tmp_path):
    plan = InterruptionPlan([Interruption(0.2, "kill")])
    r = run_spot_job(
        FAKE + ["30"], checkpoint_uri=str(tmp_path / "ck"), max_run_s=60, interruptions=plan
    )
    (i,) = r.interruptions
    assert i.mode == "kill" and not i.saved_on_notice
    assert i.durable_step is not None and i.durable_step % 5 == 0
    assert r.lost_work_s == i.lost_work_s and i.lost_work_s >= 0
    assert r.status == "Completed" and r.final_step == 30


def test_fallback_to_on_demand_after_max_interruptions(tmp_path):
    plan = InterruptionPlan([Interruption(0.05, "notice")] * 3)
    r = run_spot_job(
        FAKE + ["30"],
        checkpoint_uri=str(tmp_path / "ck"),
        max_run_s=60,
        interruptions=plan,
        max_interruptions=2,
        fallback="on-demand",
    )
    assert r.status == "Completed" and r.fell_back_to_on_demand
    assert len(r.interruptions) == 2 and plan.used == 2  # no more spot attempts
    assert r.on_demand_s > 0 and r.spot_s > 0
    expected_billable = r.spot_s * 0.3 + r.on_demand_s
    assert r.billable_s == pytest.approx(expected_billable)
    assert any("on-demand" in t["StatusMessage"] for t in r.secondary_transitions)


def test_max_interruptions_with_fallback_fail(tmp_path):
    plan = InterruptionPlan([Interruption(0.05, "notice")] * 3)
    r = run_spot_job(
        FAKE + ["100"],
        checkpoint_uri=str(tmp_path / "ck"),
        max_run_s=60,
        interruptions=plan,
        max_interruptions=1,
        fallback="fail",
    )
    assert r.status == "Failed" and "max_interruptions=1" in r.failure_reason
    assert statuses(r)[-1] == "Failed"


def test_wait_beyond_max_wait_stops_or_falls_back(tmp_path):
    plan = InterruptionPlan([Interruption(0.05, "notice", capacity_wait_s=1000)])
    r = run_spot_job(
        FAKE + ["30"],
        checkpoint_uri=str(tmp_path / "a"),
        max_run_s=100,
        max_wait_s=500,
        interruptions=plan,
        fallback="fail",
        wait_time_scale=0.0,
    )
    assert (r.status, r.secondary_status) == ("Stopped", "MaxWaitTimeExceeded")
    assert statuses(r)[-3:] == ["Interrupted", "Stopping", "MaxWaitTimeExceeded"]
    plan = InterruptionPlan([Interruption(0.05, "notice", capacity_wait_s=1000)])
    r = run_spot_job(
        FAKE + ["30"],
        checkpoint_uri=str(tmp_path / "b"),
        max_run_s=100,
        max_wait_s=500,
        interruptions=plan,
        fallback="on-demand",
        wait_time_scale=0.0,
    )
    assert r.status == "Completed" and r.fell_back_to_on_demand and r.waited_s == 0


def test_max_run_exceeded_sends_sigterm_then_stops(tmp_path):
    r = run_spot_job(
        FAKE + ["100000"], checkpoint_uri=str(tmp_path / "ck"), max_run_s=0.6, notice_s=5
    )
    assert (r.status, r.secondary_status) == ("Stopped", "MaxRuntimeExceeded")
    assert statuses(r)[-2:] == ["Stopping", "MaxRuntimeExceeded"]
    assert r.exit_code == INTERRUPTED_EXIT_CODE  # the script used its SIGTERM grace to save
    assert (tmp_path / "ck" / "step.txt").read_text() == str(r.final_step)


def test_crash_is_failed_with_output(tmp_path):
    with pytest.warns(UserWarning, match="no resume possible"):
        r = run_spot_job(FAKE + ["10", "3"], checkpoint_uri=str(tmp_path / "ck"), max_run_s=60)
    assert r.status == "Failed" and r.exit_code == 3
    assert "exited with code 3" in r.failure_reason


def test_script_without_checkpointer_warns_no_resume(tmp_path):
    cmd = [sys.executable, "-c", "import time; time.sleep(0.4)"]
    plan = InterruptionPlan([Interruption(0.0, "kill")])
    with pytest.warns(UserWarning, match="no resume possible"):
        r = run_spot_job(
            cmd,
            checkpoint_uri=str(tmp_path / "ck"),
            max_run_s=60,
            interruptions=plan,
            startup_grace_s=0.1,
        )
    assert r.status == "Completed" and len(r.interruptions) == 1
    assert NO_RESUME in r.warnings


def test_script_exiting_interrupted_by_itself_is_restarted(tmp_path):
    marker = tmp_path / "once"
    code = (
        "import os,sys; p=sys.argv[1]\n"
        f"if not os.path.exists(p): open(p,'w').close(); sys.exit({INTERRUPTED_EXIT_CODE})\n"
    )
    with pytest.warns(UserWarning, match="no resume possible"):
        r = run_spot_job(
            [sys.executable, "-c", code, str(marker)], checkpoint_uri=str(tmp_path), max_run_s=60
        )
    assert r.status == "Completed" and [i.mode for i in r.interruptions] == ["external"]


def test_torchrun_command_for_several_processes():
    assert build_command(["python", "train.py", "--lr", "1"], 1) == [
        "python",
        "train.py",
        "--lr",
        "1",
    ]
    cmd = build_command(["python3", "train.py", "--lr", "1"], 4)
    assert cmd[1:] == [
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node=4",
        "train.py",
        "--lr",
        "1",
    ]


@pytest.mark.slow
def test_example_script_survives_an_interruption(tmp_path):
    """examples/spot_train.py (torch.optim Adam, StepLR, ResumableLoader) under the supervisor."""
    pytest.importorskip("torch")
    example = HERE.parent.parent / "examples" / "spot_train.py"
    out = tmp_path / "w.pt"
    r = run_spot_job(
        [sys.executable, str(example), "--steps", "120", "--sleep", "0.01", "--out", str(out)],
        checkpoint_uri=str(tmp_path / "ck"),
        max_run_s=300,
        interruptions=InterruptionPlan([Interruption(0.3, "notice", 30.0)]),
        wait_time_scale=0.0,
        env={"PYTHONPATH": str(HERE.parent.parent), "MLKIT_IMDS_ENDPOINT": ""},
    )
    assert r.status == "Completed", r.failure_reason
    assert len(r.interruptions) == 1 and r.interruptions[0].saved_on_notice
    assert r.final_step == 120 and out.exists()
    assert r.savings_pct == pytest.approx(70.0) and r.waited_s == 30.0
    assert [m["step"] for m in r.metrics][-1] == 120
