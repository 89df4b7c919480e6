"""Starting, following and stopping job worker processes.

Workers run in their own session (process group), so cancelling a job stops everything it
started. The server's :class:`JobManager` keeps at most ``max_concurrent`` of its jobs running,
notices workers that died without reporting, and marks jobs a previous server left running as
``interrupted``. The CLI and the notebook magics start their workers directly with
:func:`start_job`; every job, whoever started it, lands in the same table.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from ..db import Database, open_db
from ..errors import NotFound
from .models import FINAL_STATES
from .store import JobStore

STOP_GRACE_S = 5.0


def spawn_worker(db: Database, job_id: str, log_path: str | None = None) -> subprocess.Popen:
    """Start ``python -m jupyter_mlkit.jobs.worker`` for one job, in a new process group."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    out = subprocess.DEVNULL
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        out = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "jupyter_mlkit.jobs.worker", job_id, str(db.path)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            close_fds=True,
        )
    finally:
        if out is not subprocess.DEVNULL:
            out.close()


def _same_process(pid: int | None, started: float | None) -> psutil.Process | None:
    """The live process with this pid and start time (guards against reused pids)."""
    if not pid:
        return None
    try:
        proc = psutil.Process(pid)
        if started is not None and abs(proc.create_time() - started) > 1.0:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def stop_process_tree(
    pid: int | None, started: float | None, grace_s: float = STOP_GRACE_S
) -> bool:
    """SIGTERM the worker's process group, then SIGKILL whatever is left after ``grace_s``."""
    proc = _same_process(pid, started)
    if proc is None:
        return False
    members = [proc] + proc.children(recursive=True)
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    except PermissionError:
        proc.terminate()
    _, alive = psutil.wait_procs(members, timeout=grace_s)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    try:
        os.killpg(pid, signal.SIGKILL)  # anything that left the tree but kept the group
    except (ProcessLookupError, PermissionError):
        pass
    psutil.wait_procs(alive, timeout=grace_s)
    return True


def start_job(
    kind: str,
    parameters: dict[str, Any] | None,
    *,
    root_dir: str | Path,
    origin: str,
    db: Database | None = None,
) -> dict[str, Any]:
    """Create a job and start its worker at once (CLI and notebook use)."""
    store = JobStore(db or open_db())
    job = store.create(kind, parameters, root_dir=root_dir, origin=origin)
    proc = spawn_worker(store.db, job["id"], job["log_path"])
    _reap_in_background(proc)
    return job


def _reap_in_background(proc: subprocess.Popen) -> None:
    threading.Thread(target=proc.wait, daemon=True, name=f"mlkit-reap-{proc.pid}").start()


def wait_for(
    job_id: str,
    *,
    db: Database | None = None,
    poll_s: float = 0.2,
    timeout_s: float | None = None,
    on_update=None,
) -> dict[str, Any]:
    """Follow a job until it reaches a final state; ``on_update(job)`` at each change."""
    store = JobStore(db or open_db())
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    seen = None
    while True:
        job = store.get(job_id)
        key = (job["state"], job["progress"], job["message"])
        if key != seen and on_update is not None:
            on_update(job)
        seen = key
        if job["state"] in FINAL_STATES:
            return job
        if job["state"] == "running" and not _same_process(*store.process_of(job_id)):
            time.sleep(0.3)  # the worker may be writing its final row right now
            job = store.get(job_id)
            if job["state"] == "running":
                store.fail(
                    job_id,
                    {
                        "code": "worker_died",
                        "message": "the worker process ended without reporting",
                    },
                )
                return store.get(job_id)
        if deadline is not None and time.monotonic() > deadline:
            return job
        time.sleep(poll_s)


def cancel_job(
    job_id: str, *, db: Database | None = None, grace_s: float = STOP_GRACE_S
) -> dict[str, Any]:
    store = JobStore(db or open_db())
    pid, started = store.process_of(job_id)
    job = store.cancel(job_id)
    stop_process_tree(pid, started, grace_s)
    return job


class JobManager:
    """The server's side of the job system: dispatch, reap, recover."""

    def __init__(self, db: Database, *, max_concurrent: int = 2):
        self.store = JobStore(db)
        self.db = db
        self.max_concurrent = max_concurrent
        self._children: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def recover(self) -> list[str]:
        """At server start: jobs a previous server left running become ``interrupted``."""
        recovered = []
        for row in self.store.rows_in_state("running"):
            proc = _same_process(row.pid, row.pid_started)
            if proc is not None and row.origin not in ("api", "schedule"):
                continue  # a CLI or notebook job that is really still running
            if proc is not None:
                message = "the server restarted while this job ran; re-run it to resume"
            else:
                message = "the worker ended without reporting (server restart or crash)"
            # Mark first, then stop: the worker's own exit path only writes over 'running'.
            if self.store.fail(
                row.id, {"code": "interrupted", "message": message}, state="interrupted"
            ):
                recovered.append(row.id)
            if proc is not None:
                stop_process_tree(row.pid, row.pid_started)
        return recovered

    def tick(self) -> None:
        """Reap finished children, notice dead workers, start queued jobs (no blocking)."""
        with self._lock:
            for job_id, proc in list(self._children.items()):
                if proc.poll() is not None:
                    del self._children[job_id]
                    try:
                        job = self.store.get(job_id)
                    except NotFound:  # finished, then deleted before this reap
                        continue
                    if job["state"] == "running":
                        self.store.fail(
                            job_id,
                            {
                                "code": "worker_died",
                                "message": f"the worker process exited with code {proc.returncode} "
                                "without reporting a result",
                            },
                        )
            free = self.max_concurrent - len(self._children)
            if free <= 0:
                return
            waiting = [
                row
                for row in self.store.rows_in_state("queued")
                if row.origin in ("api", "schedule") and row.id not in self._children
            ]
            for row in waiting[:free]:
                self._children[row.id] = spawn_worker(self.db, row.id, row.log_path)

    def cancel(self, job_id: str) -> dict[str, Any]:
        job = cancel_job(job_id, db=self.db, grace_s=2.0)
        with self._lock:
            proc = self._children.pop(job_id, None)
        if proc is not None:
            _reap_in_background(proc)
        return job

    def shutdown(self) -> None:
        """Stop this server's running workers (they become ``interrupted``)."""
        with self._lock:
            children = dict(self._children)
            self._children.clear()
        for job_id, proc in children.items():
            try:
                pid, started = self.store.process_of(job_id)
            except NotFound:  # finished, then deleted before the last reap
                continue
            self.store.fail(
                job_id,
                {"code": "interrupted", "message": "the server stopped while this job ran"},
                state="interrupted",
            )
            stop_process_tree(pid, started, grace_s=2.0)
            proc.wait(timeout=5)
