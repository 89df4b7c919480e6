"""The child process of one attempt: command line, argument checks, signals to its tree."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


def validate(
    max_run_s: float, max_wait_s: float | None, notice_s: float, fallback: str, nproc: int
) -> None:
    if max_run_s is None or max_run_s <= 0:
        raise ValueError(f"max_run_s must be > 0 seconds, got {max_run_s}")
    if max_wait_s is not None and max_wait_s < max_run_s:
        raise ValueError(
            f"max_wait_s ({max_wait_s}) must be >= max_run_s ({max_run_s}): the wait budget "
            "covers waiting for spot capacity plus the run itself "
            "(SageMaker's MaxWaitTimeInSeconds)"
        )
    if notice_s < 0:
        raise ValueError(f"notice_s must be >= 0, got {notice_s}")
    if fallback not in ("on-demand", "fail"):
        raise ValueError(f"fallback must be 'on-demand' or 'fail', got {fallback!r}")
    if nproc < 1:
        raise ValueError(f"nproc must be >= 1, got {nproc}")


def build_command(command: list[str], nproc: int) -> list[str]:
    """The command to start; ``torchrun`` (torch.distributed.run) in front when nproc > 1."""
    if not command:
        raise ValueError("command is empty: give the training command, e.g. ['python', 'train.py']")
    if nproc == 1:
        return list(command)
    rest = list(command)
    if Path(rest[0]).name.startswith("python"):
        rest = rest[1:]  # torchrun starts the interpreter itself
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={nproc}",
        *rest,
    ]


class Attempt:
    """One child process and what its channel told us (updated from the reader thread)."""

    def __init__(self, number: int, resumed_from: int | None):
        self.number = number
        self.lock = threading.Lock()
        self.t_start = time.monotonic()
        self.t_ready: float | None = None
        self.durable_t: float | None = None
        self.save_starts: dict[int, float] = {}
        self.step: int | None = resumed_from
        self.durable_step: int | None = resumed_from
        self.saved_on_notice = False
        self.exited_interrupted = False
        self.kill_on_save = False
        self.killed_mid_save = False
        self.proc: subprocess.Popen | None = None

    def kill(self, sig: int) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        tree = []
        if sig == signal.SIGKILL:
            # torchrun starts its ranks in sessions of their own: a group kill misses them, and
            # orphaned ranks would go on training (and saving) beside the restarted job
            import psutil

            try:
                tree = psutil.Process(self.proc.pid).children(recursive=True)
            except psutil.Error:
                tree = []
        try:
            os.killpg(self.proc.pid, sig)  # SIGTERM: torchrun forwards it to its ranks
        except ProcessLookupError:
            pass
        for child in tree:
            try:
                child.send_signal(sig)
            except Exception:  # already gone
                pass
