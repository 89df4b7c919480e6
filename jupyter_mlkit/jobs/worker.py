"""The child process that runs one job: ``python -m jupyter_mlkit.jobs.worker JOB_ID DB``.

It claims the job (queued -> running), runs the kind, and records the result or the error. The
server never runs job code itself.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path

import psutil

from ..db import open_db
from ..errors import MlkitError
from ..proc import lower_priority
from .kinds import JobContext, get_kind
from .store import JobStore


class _Stopped(BaseException):
    """Raised in the worker when it is asked to stop (SIGTERM)."""


def _on_sigterm(signum, frame):
    raise _Stopped()


def run(job_id: str, db_path: str) -> int:
    store = JobStore(open_db(db_path))
    me = psutil.Process()
    if not store.claim(job_id, me.pid, me.create_time()):
        return 0  # already claimed by another worker, or cancelled while queued
    job = store.get(job_id)
    log_path = Path(job["log_path"])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    artifacts_dir = log_path.parent / "artifacts"
    artifacts_dir.mkdir(exist_ok=True)
    with log_path.open("a", buffering=1, encoding="utf-8") as log_file:

        def log(line: str) -> None:
            log_file.write(f"{time.strftime('%H:%M:%S')} {line}\n")

        last = [0.0]

        def report(fraction: float, message: str) -> None:
            now = time.monotonic()
            if fraction >= 1.0 or now - last[0] >= 0.2:  # throttle database writes
                last[0] = now
                store.set_progress(job_id, fraction, message)
            if message:
                log(f"[{fraction:5.1%}] {message}")

        ctx = JobContext(
            job_id=job_id,
            root_dir=Path(store.root_of(job_id)),
            artifacts_dir=artifacts_dir,
            report=report,
            log=log,
            db_path=str(store.db.path),
        )
        signal.signal(signal.SIGTERM, _on_sigterm)
        log(f"job {job_id} ({job['kind']}) started, pid {me.pid}")
        try:
            kind = get_kind(job["kind"])
            result = kind.run(job["parameters"], ctx)
            json.dumps(result, default=str)
        except _Stopped:
            log("stopped by a signal")
            store.fail(
                job_id, {"code": "stopped", "message": "stopped by a signal"}, state="cancelled"
            )
            return 1
        except MlkitError as exc:
            log(f"error: {exc.message}")
            store.fail(job_id, exc.to_dict())
            return 1
        except Exception as exc:  # any failure of the job's code is recorded, not lost
            log("".join(traceback.format_exception(exc)))
            store.fail(
                job_id,
                {"code": "job_failed", "message": f"{type(exc).__name__}: {exc}", "details": None},
            )
            return 1
        store.complete(job_id, result, ctx.artifacts)
        log("completed")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m jupyter_mlkit.jobs.worker JOB_ID DB_PATH", file=sys.stderr)
        return 2
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    niceness = int(os.environ.get("MLKIT_JOB_NICENESS", "10"))
    if niceness > 0:
        lower_priority(niceness)
    return run(args[0], args[1])


if __name__ == "__main__":
    sys.exit(main())
