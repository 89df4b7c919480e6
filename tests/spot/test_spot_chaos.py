"""THE chaos test: interrupted training ends bit-identical to uninterrupted training.

A deterministic script (tests/spot/chaos_train.py: tiny torch MLP, dropout, python/numpy noise,
shuffled resumable loader, momentum SGD with a decaying LR) runs once undisturbed and once under
the supervisor with 20 random interruptions: 10 notices (SIGTERM, save, exit), 5 SIGKILLs
mid-step and 5 SIGKILLs inside a checkpoint write. On top, three of the newest checkpoints get a
flipped byte between attempts (bit rot), which the restore must detect and skip. The final weights
must be bit-identical, locally and with the checkpoints on the moto S3 server.

Why the run always sees all 20 interruptions: each attempt is interrupted at most 50 ms after it
reports ready, and each step sleeps 4 ms, so an attempt advances at most ~13 durable steps;
20 attempts cannot finish the 300 steps.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from jupyter_mlkit.spot import InterruptionPlan, run_spot_job  # noqa: E402

HERE = Path(__file__).parent
REPO = HERE.parent.parent
SCRIPT = str(HERE / "chaos_train.py")
STEPS, EVERY, SLEEP = 300, 5, 0.004
CHILD_ENV = {
    "PYTHONPATH": str(REPO),
    "MLKIT_IMDS_ENDPOINT": "",
}
CORRUPT_AFTER_ATTEMPTS = (4, 9, 14)


def command(out: Path) -> list[str]:
    return [sys.executable, SCRIPT, str(out), str(STEPS), str(EVERY), str(SLEEP)]


def run_baseline(d: Path) -> dict:
    env = {**os.environ, **CHILD_ENV, "MLKIT_CHECKPOINT_URI": str(d / "ck")}
    subprocess.run(command(d / "final.pt"), env=env, check=True, timeout=300)
    return torch.load(d / "final.pt")


def plan() -> InterruptionPlan:
    return InterruptionPlan.random(20, seed=11, mode="mixed", window_s=(0.01, 0.05), wait_s=(1, 60))


def flip_byte(data: bytes) -> bytes:
    b = bytearray(data)
    b[len(b) // 2] ^= 0xFF
    return bytes(b)


def check(result, baseline, out: Path, corrupted: list[str]) -> None:
    assert result.status == "Completed", result.failure_reason
    modes = Counter(i.mode for i in result.interruptions)
    assert modes == {"notice": 10, "kill": 5, "kill-save": 5}
    assert all(i.saved_on_notice for i in result.interruptions if i.mode == "notice")
    final = torch.load(out)
    assert list(final) == list(baseline)
    for key in baseline:
        assert torch.equal(final[key], baseline[key]), f"{key} differs after interruptions"
    restores = [r for r in result.restores if r["type"] == "restore"]
    skips = [r for r in result.restores if r["type"] == "skip"]
    assert restores and all(r["verified"] for r in restores)
    rotten = {s["checkpoint"] for s in skips if "sha256" in s["reason"]}
    assert set(corrupted) <= rotten, "a corrupted checkpoint was not skipped"
    assert len(corrupted) == len(CORRUPT_AFTER_ATTEMPTS)
    # simulated capacity waits were accounted although the test slept 1/1000 of them
    assert result.waited_s == pytest.approx(sum(i.capacity_wait_s for i in result.interruptions))


def chaos_local(tmp_path: Path):
    ck = tmp_path / "ck"
    corrupted: list[str] = []

    def on_event(event):
        if event["type"] == "interruption" and event["attempt"] in CORRUPT_AFTER_ATTEMPTS:
            done = sorted(ck.glob("step-*"))
            if done:
                target = done[-1] / "state.pt"
                target.write_bytes(flip_byte(target.read_bytes()))
                corrupted.append(done[-1].name)

    out = tmp_path / "final.pt"
    result = run_spot_job(
        command(out),
        checkpoint_uri=str(ck),
        max_run_s=600,
        interruptions=plan(),
        notice_s=30,
        env=CHILD_ENV,
        wait_time_scale=0.001,
        kill_save_write_delay_s=0.5,  # kill-save attempts write slowly: the kill tears the write
        on_event=on_event,
    )
    return result, out, corrupted


def chaos_s3(tmp_path: Path):
    from jupyter_mlkit.aws import client

    s3 = client("s3")
    s3.create_bucket(Bucket="chaos-ckpt")
    corrupted: list[str] = []

    def on_event(event):
        if event["type"] == "interruption" and event["attempt"] in CORRUPT_AFTER_ATTEMPTS:
            keys = s3.list_objects_v2(Bucket="chaos-ckpt", Prefix="run/").get("Contents", [])
            complete = sorted(
                k["Key"].split("/")[1] for k in keys if k["Key"].endswith("MANIFEST.json")
            )
            if complete:
                key = f"run/{complete[-1]}/state.pt"
                body = s3.get_object(Bucket="chaos-ckpt", Key=key)["Body"].read()
                s3.put_object(Bucket="chaos-ckpt", Key=key, Body=flip_byte(body))
                corrupted.append(complete[-1])

    out = tmp_path / "final.pt"
    result = run_spot_job(
        command(out),
        checkpoint_uri="s3://chaos-ckpt/run",
        max_run_s=600,
        interruptions=plan(),
        notice_s=30,
        env=CHILD_ENV,
        wait_time_scale=0.001,
        kill_save_write_delay_s=0.5,  # kill-save attempts write slowly: the kill tears the write
        on_event=on_event,
    )
    return result, out, corrupted


@pytest.mark.slow
@pytest.mark.aws
def test_chaos_local_and_s3(tmp_path, aws):
    """Baseline, local chaos and S3 chaos run side by side: each is a chain of ~21 process starts
    (mostly `import torch`, single-threaded), so running them together uses both CI cores."""
    dirs = [tmp_path / n for n in ("base", "local", "s3")]
    for d in dirs:
        d.mkdir()
    with ThreadPoolExecutor(3) as pool:
        base = pool.submit(run_baseline, dirs[0])
        local = pool.submit(chaos_local, dirs[1])
        remote = pool.submit(chaos_s3, dirs[2])
        baseline = base.result()
        local_result, local_out, local_corrupted = local.result()
        s3_result, s3_out, s3_corrupted = remote.result()

    check(local_result, baseline, local_out, local_corrupted)
    torn = [r for r in local_result.restores if r["type"] == "discard_partial"]
    assert torn, "local: no SIGKILL landed inside a checkpoint write"
    assert not list((dirs[1] / "ck").glob(".partial-*"))

    check(s3_result, baseline, s3_out, s3_corrupted)
    torn = [r for r in s3_result.restores if r["type"] == "skip" and "no manifest" in r["reason"]]
    assert torn, "s3: no SIGKILL landed inside a checkpoint upload"
