"""nproc > 1: run_spot_job starts torchrun (gloo, CPU) and a 2-rank DDP run survives interruptions.

tests/spot/ddp_train.py is deterministic and seeds each rank differently, so the final weights
are bit-identical to an uninterrupted 2-rank run only if rank 0 saved, every rank restored, and
every rank got its *own* RNG state back; the script also writes what each rank's RNGs draw next,
which must match too. After each interruption no rank process may survive (SIGKILL of torchrun
alone would orphan its ranks, which start sessions of their own), and the ranks run with the
niceness the supervisor was given, although each is in a new session.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
psutil = pytest.importorskip("psutil")

from jupyter_mlkit.spot import Interruption, InterruptionPlan, run_spot_job  # noqa: E402

HERE = Path(__file__).parent
REPO = HERE.parent.parent
SCRIPT = str(HERE / "ddp_train.py")
STEPS, EVERY, SLEEP = 90, 5, 0.01
CHILD_ENV = {"PYTHONPATH": str(REPO), "MLKIT_IMDS_ENDPOINT": "", "OMP_NUM_THREADS": "1"}


def command(out: Path) -> list[str]:
    return [sys.executable, SCRIPT, str(out), str(STEPS), str(EVERY), str(SLEEP)]


def run_baseline(d: Path) -> None:
    env = {**os.environ, **CHILD_ENV, "MLKIT_CHECKPOINT_URI": str(d / "ck")}
    argv = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2"]
    subprocess.run(
        argv + command(d / "final.pt")[1:], env=env, check=True, timeout=300, capture_output=True
    )


def rank_processes(marker: str) -> list[psutil.Process]:
    """The rank processes (not torchrun itself) of the run whose output path is ``marker``."""
    found = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if marker in cmd and "torch.distributed.run" not in cmd and p.pid != os.getpid():
            found.append(p)
    return found


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def survivors(procs: list[psutil.Process], within_s: float = 20.0) -> list[psutil.Process]:
    """Processes still alive after a generous grace (a SIGKILLed process can take a moment)."""
    deadline = time.monotonic() + within_s
    while alive(procs) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive(procs)


@pytest.mark.slow
def test_two_rank_ddp_survives_notice_and_kills_bit_identical(tmp_path):
    base_dir, run_dir = tmp_path / "base", tmp_path / "run"
    base_dir.mkdir()
    run_dir.mkdir()
    out = run_dir / "final.pt"
    ranks_seen: dict[int, list[psutil.Process]] = {}
    orphans: dict[int, list[int]] = {}

    def on_event(event: dict) -> None:
        if event["type"] == "ready":
            ranks_seen[event["attempt"]] = rank_processes(str(out))
        elif event["type"] == "interruption":
            left = survivors(ranks_seen.get(event["attempt"], []))
            orphans[event["attempt"]] = [p.pid for p in left]
            for p in left:  # do not leave them running if the assertion below fails
                p.kill()

    plan = InterruptionPlan(
        [
            Interruption(0.2, "notice", 5.0),  # SIGTERM to torchrun: ranks agree, save, exit 75
            Interruption(0.3, "kill", 5.0),  # SIGKILL mid-step, no notice
        ]
    )
    # the baseline runs beside the supervised run: each is mostly process starts (import torch)
    with ThreadPoolExecutor(1) as pool:
        baseline = pool.submit(run_baseline, base_dir)
        result = run_spot_job(
            command(out),
            checkpoint_uri=str(run_dir / "ck"),
            max_run_s=600,
            interruptions=plan,
            notice_s=30,
            nproc=2,
            env=CHILD_ENV,
            wait_time_scale=0.001,
            on_event=on_event,
            niceness=5,
        )
        baseline.result()

    assert result.status == "Completed", result.failure_reason
    assert [i.mode for i in result.interruptions] == ["notice", "kill"]
    assert result.interruptions[0].saved_on_notice
    assert result.attempts == 3
    # every attempt that got to training had two ranks, and none outlived its interruption
    assert all(len(ranks_seen[a]) == 2 for a in ranks_seen), ranks_seen
    assert orphans == {1: [], 2: []}
    assert not alive([p for procs in ranks_seen.values() for p in procs])
    restores = [r for r in result.restores if r["type"] == "restore"]
    assert len(restores) == 2 and all(r["verified"] for r in restores)

    final, expected = torch.load(out), torch.load(base_dir / "final.pt")
    assert list(final) == list(expected)
    for key in expected:
        assert torch.equal(final[key], expected[key]), f"{key} differs after interruptions"
    for rank in (0, 1):  # each rank's RNGs are where the uninterrupted run left them
        name = f"final.pt.rank{rank}.rng"
        assert (run_dir / name).read_text() == (base_dir / name).read_text(), f"rank {rank}"
    for rank in (0, 1):  # the ranks run niced, their new sessions' autogroups too
        nice, group = (run_dir / f"final.pt.rank{rank}.nice").read_text().split("|")
        assert int(nice) == 5
        assert not group or group.endswith("nice 5"), group
    probes = {(run_dir / f"final.pt.rank{r}.rng").read_text() for r in (0, 1)}
    assert len(probes) == 2, "both ranks drew the same numbers: rank 1 got rank 0's RNG state"
