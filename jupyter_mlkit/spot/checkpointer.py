"""Checkpointer: everything needed for an exact resume, saved atomically, restored on start."""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
from typing import Any

from ..proc import lower_priority_from_env
from . import state as st
from .channel import CHANNEL_ENV, ChannelWriter
from .notices import NoticeWatcher
from .storage import CheckpointSaveError, Storage, open_storage

# EX_TEMPFAIL from sysexits.h: "temporary failure, try again". The supervisor restarts on it.
INTERRUPTED_EXIT_CODE = 75


def _lower_priority() -> None:
    """Nice the background writer thread (Linux: per-thread) so training keeps the cores."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):  # not Linux, or not allowed
        pass


def _rank() -> int:
    return int(os.environ.get("RANK", "0") or 0)


def _process_group():
    """torch.distributed when this is a multi-process run with its group initialised, else None."""
    if os.environ.get("WORLD_SIZE", "1") in ("", "1"):
        return None
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() < 2:
        return None
    return dist


class Checkpointer:
    """Saves tracked objects, every RNG and the step; restores the newest valid checkpoint.

    ``uri``: local path, ``file://`` URL or ``s3://bucket/prefix``; default ``MLKIT_CHECKPOINT_URI``
    (set by the supervisor), else ``./checkpoints``. A save is due every ``every_steps`` steps
    and/or every ``every_seconds`` seconds (either condition triggers one). ``async_save`` copies
    the state to CPU memory in the training thread and writes it in a background thread.
    In a multi-process (torchrun) job only rank 0 writes; every rank restores. ``cache_dir``
    keeps a local mirror of an S3 location (SageMaker's LocalPath behaviour).
    """

    def __init__(
        self,
        uri: str | os.PathLike[str] | None = None,
        every_steps: int | None = None,
        every_seconds: float | None = 300,
        keep: int = 3,
        *,
        async_save: bool = False,
        imds: str | bool | None = "auto",
        imds_poll_s: float = 5.0,
        handle_sigterm: bool = True,
        exit_on_notice: bool = True,
        total_steps: int | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
    ):
        if every_steps is not None and every_steps < 1:
            raise ValueError(f"every_steps must be >= 1 or None, got {every_steps}")
        if every_seconds is not None and every_seconds <= 0:
            raise ValueError(f"every_seconds must be > 0 or None, got {every_seconds}")
        if keep < 1:
            raise ValueError(f"keep must be >= 1, got {keep}")
        # fails fast on a bad or unreachable URI
        lower_priority_from_env()  # ranks torchrun started in new sessions of a niced run
        self.storage: Storage = open_storage(uri, cache_dir=cache_dir)
        self.uri = self.storage.uri
        self.every_steps = every_steps
        self.every_seconds = every_seconds
        self.keep = keep
        self.total_steps = total_steps
        self.async_save = async_save
        self.exit_on_notice = exit_on_notice
        self.is_writer = _rank() == 0
        self.objects: dict[str, Any] = {}
        self.channel = ChannelWriter(os.environ.get(CHANNEL_ENV) if self.is_writer else None)
        self.watcher = NoticeWatcher(sigterm=handle_sigterm, imds=imds, poll_s=imds_poll_s)
        self.last_saved_step: int | None = None
        self.last_save_time = time.monotonic()
        self.restored_step = 0
        self.saves: list[dict[str, Any]] = []  # confirmed saves only
        self.failures: list[str] = []
        self._thread: threading.Thread | None = None
        self._pending_error: BaseException | None = None
        self._step = 0

    # -- setup -----------------------------------------------------------------------------
    def track(self, **objects: Any) -> Checkpointer:
        """Register objects to checkpoint by name (model, optimizer, scheduler, sampler, ...)."""
        for name, obj in objects.items():
            st.kind_of(obj)  # TypeError now, not at the first save
            self.objects[name] = obj
        return self

    def restore(self) -> int:
        """Load the newest checkpoint whose manifest verifies; return its step (0 if none)."""
        if not self.objects:
            raise ValueError("nothing tracked: call ckpt.track(model=..., optimizer=...) first")
        if self.is_writer:
            removed = self.storage.cleanup_partial()
            if removed:
                self.channel.emit("discard_partial", names=removed)
        cand, skipped = self.storage.newest_valid()
        for bad in skipped:
            self.channel.emit("skip", checkpoint=bad.name, step=bad.step, reason=bad.reason)
            warnings.warn(f"skipping checkpoint {bad.name}: {bad.reason}", stacklevel=2)
        step = 0
        if cand is not None:
            dist = _process_group()
            st.apply(
                self.objects,
                cand.files,
                f"{self.uri}/{cand.name}",
                rank=dist.get_rank() if dist else 0,
                world_size=dist.get_world_size() if dist else 1,
            )
            step = int(cand.step)
            self.last_saved_step = step
            self.channel.emit("restore", checkpoint=cand.name, step=step, verified=True)
        self.restored_step = self._step = step
        self.last_save_time = time.monotonic()
        self.channel.emit(
            "ready", step=step, uri=self.uri, resumed=cand is not None, total_steps=self.total_steps
        )
        return step

    # -- training loop ---------------------------------------------------------------------
    def due(self, step: int) -> bool:
        if self.every_steps is not None and step % self.every_steps == 0:
            return True
        return (
            self.every_seconds is not None
            and time.monotonic() - self.last_save_time >= self.every_seconds
        )

    def step(self, step: int) -> bool:
        """Call after each training step with the number of completed steps.

        Saves when due, or at once when an interruption notice arrived; after that save the
        process exits with :data:`INTERRUPTED_EXIT_CODE`. Returns whether a save started.
        """
        self._step = step
        notice, rebalance, due = self._agreed(step)
        if notice is not None:
            self.channel.emit("notice", step=step, source=notice.source, detail=notice.detail)
            ok = self._save(step, True, "notice", collective=True)
            self.channel.emit("exit", step=step, code=INTERRUPTED_EXIT_CODE, saved=ok)
            if self.exit_on_notice:
                self.close()
                sys.exit(INTERRUPTED_EXIT_CODE)
            return ok
        if rebalance is not None:
            self.channel.emit("rebalance", step=step, detail=rebalance.detail)
            return self._save(step, None, "rebalance", collective=True)
        if due:
            return self._save(step, None, "periodic", collective=True)
        return False

    def _agreed(self, step: int):
        """(interruption notice, rebalance notice, save due), agreed by every rank when distributed.

        Ranks see SIGTERM at slightly different steps and their clocks differ; if one left early or
        saved alone the others would hang in the next collective. A three-element all_reduce(MAX)
        per step makes them stop and save together.
        """
        notice = self.watcher.interruption
        rebalance = self.watcher.take_rebalance()
        due = self.due(step)
        dist = _process_group()
        if dist is None:
            return notice, rebalance, due
        import torch

        from .notices import Notice

        device = "cuda" if dist.get_backend() == "nccl" else "cpu"
        flags = torch.tensor(
            [notice is not None, rebalance is not None, due], dtype=torch.int32, device=device
        )
        dist.all_reduce(flags, op=dist.ReduceOp.MAX)
        got_notice, got_rebalance, due = (bool(v) for v in flags.tolist())
        if got_notice and notice is None:
            notice = Notice("interruption", "peer-rank", {}, time.time())
        if got_rebalance and rebalance is None:
            rebalance = Notice("rebalance", "peer-rank", {}, time.time())
        return notice, rebalance, due

    def log(self, step: int | None = None, **metrics: Any) -> None:
        """Send metrics (loss=..., accuracy=...) to the supervisor's JSON-lines channel."""
        self.channel.emit("metric", step=self._step if step is None else step, **metrics)

    # -- saving ----------------------------------------------------------------------------
    def save(
        self, step: int | None = None, *, blocking: bool | None = None, reason: str = "manual"
    ) -> bool:
        """Save now. Async saves return once the state is copied; the write goes on behind.

        Returns True when a save was started (sync: completed). A failed write is reported on
        the channel and in ``failures``, never counted as saved; training goes on. In a
        distributed run it may be called on rank 0 alone; the checkpoint then holds rank 0's RNGs
        only (the saves ``step()`` and ``finish()`` make, on every rank together, hold each
        rank's).
        """
        return self._save(step, blocking, reason, collective=False)

    def _save(
        self, step: int | None, blocking: bool | None, reason: str, *, collective: bool
    ) -> bool:
        step = self._step if step is None else step
        self.last_save_time = time.monotonic()
        rng_ranks = self._gather_rng() if collective else None
        if not self.is_writer:
            return False
        self.wait()  # one save in flight at a time
        if self.last_saved_step == step and reason != "manual":
            return True  # already durable (e.g. restored at this step, or saved just before)
        background = self.async_save if blocking is None else not blocking
        t0 = time.perf_counter()
        tensors, plain = st.capture(self.objects, copy_to_cpu=background)
        if rng_ranks is not None:
            tensors["rng_ranks"] = rng_ranks
        meta = {"objects": sorted(self.objects), "shapes": st.fingerprint(self.objects)}
        self.channel.emit("save_start", step=step, reason=reason)
        if background:
            self._thread = threading.Thread(
                target=self._write, args=(step, tensors, plain, meta, t0), daemon=True
            )
            self._thread.start()
            return True
        return self._write(step, tensors, plain, meta, t0)

    def _gather_rng(self) -> list[dict[str, Any]] | None:
        """Every rank's RNG states, collected on rank 0 (a collective: every rank is here).

        Ranks usually seed differently (dropout, augmentation); restoring rank 0's generators
        everywhere would make the resumed run differ from an uninterrupted one.
        """
        dist = _process_group()
        if dist is None:
            return None
        mine = st.rng_state()
        gathered: list[Any] | None = [None] * dist.get_world_size() if self.is_writer else None
        dist.gather_object(mine, gathered, dst=0)
        return gathered

    def _write(self, step: int, tensors: dict, plain: dict, meta: dict, t0: float) -> bool:
        if threading.current_thread() is not threading.main_thread():
            _lower_priority()
        try:
            files = st.serialise(tensors, plain)
            where = self.storage.write(
                step,
                files,
                meta,
                on_file=lambda f: self.channel.emit("save_file", step=step, file=f),
            )
        except (CheckpointSaveError, OSError) as exc:
            self.failures.append(str(exc))
            self.channel.emit("save_failed", step=step, error=str(exc))
            return False
        size = sum(len(b) for b in files.values())
        self.last_saved_step = step
        record = {"step": step, "where": where, "bytes": size, "seconds": time.perf_counter() - t0}
        self.saves.append(record)
        self.channel.emit("save_done", **record)
        try:
            self.storage.prune(self.keep)
        except Exception as exc:  # pruning is housekeeping; never fail a good save for it
            self.channel.emit("prune_failed", error=str(exc))
        return True

    def wait(self) -> None:
        """Block until an in-flight asynchronous save has finished."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def finish(self, final_save: bool = True) -> None:
        """Wait for saves, write a last checkpoint at the current step, stop watching.

        Distributed: call it on every rank (the final save gathers every rank's RNGs).
        """
        self.wait()
        if final_save:
            self._save(self._step, True, "final", collective=True)
        self.channel.emit("finish", step=self._step, saves=len(self.saves))
        self.close()

    def close(self) -> None:
        self.wait()
        self.watcher.close()
        self.channel.close()

    def __enter__(self) -> Checkpointer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
