"""The ``spot-run`` job: a training command under the spot supervisor (jupyter_mlkit.spot).

``validate`` runs in the server before a row is written: the script must lie inside the root,
the checkpoint URI must be a folder inside the root or an ``s3://`` URI, the limits must be
coherent (max_wait >= max_run). ``run`` runs in the worker: the supervisor's progress goes to
the job's progress, every event is appended as one JSON line to the ``events.jsonl`` artifact
(read incrementally by ``GET spot/events/{job_id}``), and the result is the run's summary.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
from pathlib import Path
from typing import Any

from ..errors import BadParameters, Conflict
from ..paths import resolve_inside
from .kinds import JobContext, JobKind, require

EVENTS_FILE = "events.jsonl"
MODES = ("notice", "kill", "mixed")
MAX_EVENTS_PAGE = 2000
# Channel records that say nothing a timeline or a loss curve needs (one per checkpoint file).
QUIET_EVENTS = {"save_file"}


def _number(params: dict[str, Any], key: str, default: float | None, *, minimum: float) -> Any:
    value = require(params, key, (int, float), default=default)
    if value is None:
        return None
    if not math.isfinite(value) or value < minimum:
        raise BadParameters(f"'{key}' must be a number >= {minimum}", details={"field": key})
    return value


def _int(params: dict[str, Any], key: str, default: int, *, minimum: int) -> int:
    value = require(params, key, int, default=default)
    if value < minimum:
        raise BadParameters(f"'{key}' must be an integer >= {minimum}", details={"field": key})
    return value


def command_param(params: dict[str, Any], root: Path) -> list[str]:
    """The command as a list of strings whose first ``.py`` argument is a script inside root."""
    command = require(params, "command", list)
    if not command or not all(isinstance(a, str) and a for a in command):
        raise BadParameters(
            "'command' must be a non-empty list of strings, e.g. ['python', 'train.py']",
            details={"field": "command"},
        )
    out = list(command)
    scripts = [i for i, a in enumerate(out) if a.endswith(".py")]
    if not scripts:
        raise BadParameters(
            "'command' names no Python script (an argument ending in .py)",
            details={"field": "command"},
        )
    i = scripts[0]
    path = resolve_inside(root, out[i])  # 403 outside the root, 404 when missing
    if not path.is_file():
        raise BadParameters(f"script '{out[i]}' is not a file", details={"field": "command"})
    out[i] = str(path)
    return out


def checkpoint_param(params: dict[str, Any], root: Path) -> str:
    raw = require(params, "checkpoint_uri", str)
    if raw.startswith("s3://"):
        if len(raw) <= len("s3://") or raw[len("s3://") :].startswith("/"):
            raise BadParameters(
                f"'checkpoint_uri' {raw!r} names no bucket", details={"field": "checkpoint_uri"}
            )
        return raw
    if "://" in raw and not raw.startswith("file://"):
        raise BadParameters(
            f"'checkpoint_uri' must be a folder or s3://bucket/prefix, got {raw!r}",
            details={"field": "checkpoint_uri"},
        )
    local = raw[len("file://") :] if raw.startswith("file://") else raw
    path = resolve_inside(root, local, must_exist=False)
    if path.exists() and not path.is_dir():
        raise BadParameters(
            f"'checkpoint_uri' ({raw}) is a file; give a folder",
            details={"field": "checkpoint_uri"},
        )
    return str(path)


def validate_spot(params: dict[str, Any], root: Path) -> dict[str, Any]:
    max_run = _number(params, "max_run_s", 86400.0, minimum=1)
    max_wait = _number(params, "max_wait_s", None, minimum=1)
    if max_wait is not None and max_wait < max_run:
        raise BadParameters(
            f"max_wait_s ({max_wait}) must be >= max_run_s ({max_run}): the wait budget covers "
            "waiting for spot capacity plus the run itself",
            details={"field": "max_wait_s"},
        )
    mode = require(params, "mode", str, default="mixed")
    if mode not in MODES:
        raise BadParameters(f"'mode' must be one of {', '.join(MODES)}", details={"field": "mode"})
    instance_type = require(params, "instance_type", str, default="ml.g5.xlarge")
    if not instance_type.strip():
        raise BadParameters("'instance_type' is empty", details={"field": "instance_type"})
    return {
        "command": command_param(params, root),
        "checkpoint_uri": checkpoint_param(params, root),
        "max_run_s": max_run,
        "max_wait_s": max_wait,
        "notice_s": _number(params, "notice_s", 120.0, minimum=0),
        "simulate_interruptions": _int(params, "simulate_interruptions", 0, minimum=0),
        "seed": _int(params, "seed", 0, minimum=0),
        "mode": mode,
        "instance_type": instance_type,
        "nproc": _int(params, "nproc", 1, minimum=1),
        "wait_time_scale": _number(params, "wait_time_scale", 1.0, minimum=0),
    }


def clean(value: Any) -> Any:
    """JSON-safe: NaN/inf as None (browsers' JSON.parse rejects them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


class EventWriter:
    """Appends events as JSON lines, each flushed, so a reader never sees half a line."""

    def __init__(self, path: Path):
        self.path = path
        self._file = path.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> None:
        if event.get("type") in QUIET_EVENTS:
            return
        line = json.dumps(clean(event), default=str) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        self._file.close()


def plan_for(n: int, seed: int, mode: str) -> Any:
    from ..spot import InterruptionPlan

    return InterruptionPlan.random(n, seed=seed, mode=mode) if n > 0 else None


def progress_message(p: dict[str, Any]) -> str:
    step, total = p.get("step"), p.get("total_steps")
    where = f"step {step}/{total}" if total else f"step {step}"
    metric = p.get("metric") or {}
    loss = f", loss {metric['loss']:.4g}" if isinstance(metric.get("loss"), (int, float)) else ""
    return (
        f"{p.get('status') or 'Starting'}: {where}, attempt {p.get('attempt')}, "
        f"{p.get('interruptions', 0)} interruption(s){loss}"
    )


def _run_spot(params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    from ..spot import run_spot_job

    events = EventWriter(ctx.artifacts_dir / EVENTS_FILE)
    ctx.add_artifact(events.path)

    def progress(p: dict[str, Any]) -> None:
        fraction = p.get("fraction")
        ctx.progress(0.99 * fraction if fraction is not None else 0.0, progress_message(p))

    def on_event(event: dict[str, Any]) -> None:
        events(event)
        kind = event.get("type")
        if kind == "transition":
            ctx.log(f"{event['Status']}: {event['StatusMessage']}")
        elif kind == "interruption":
            ctx.log(f"interruption ({event['mode']}) at step {event['step']}")
        elif kind in ("warning", "fallback"):
            ctx.log(f"{kind}: {event.get('message') or event.get('reason')}")

    plan = plan_for(params["simulate_interruptions"], params["seed"], params["mode"])
    command = list(params["command"])
    if command[0] in ("python", "python3"):
        # "python" from the panel means the server's interpreter, not whatever PATH finds first
        command[0] = sys.executable
    ctx.progress(0.0, "Starting")
    try:
        result = run_spot_job(
            command,
            checkpoint_uri=params["checkpoint_uri"],
            max_run_s=params["max_run_s"],
            max_wait_s=params["max_wait_s"],
            notice_s=params["notice_s"],
            interruptions=plan,
            instance_type=params["instance_type"],
            nproc=params["nproc"],
            progress=progress,
            on_event=on_event,
            cwd=str(ctx.root_dir),
            wait_time_scale=params["wait_time_scale"],
            log_path=ctx.artifacts_dir / "train.log",
            seed=params["seed"],
        )
    except ValueError as exc:
        raise BadParameters(str(exc)) from exc
    finally:
        events.close()
    ctx.add_artifact(ctx.artifacts_dir / "train.log")
    out = clean({k: v for k, v in result.to_dict().items() if k != "metrics"})
    out["summary"] = result.summary()
    if result.status != "Completed":
        from ..errors import MlkitError

        raise MlkitError(
            f"spot run {result.status} ({result.secondary_status}): "
            f"{result.failure_reason or result.summary()}",
            code="spot_run_failed",
            details=out,
        )
    ctx.progress(1.0, result.summary())
    return out


# -- reading the events of a job (server side) ------------------------------------------------
def events_path(job: dict[str, Any]) -> Path:
    return Path(job["log_path"]).parent / "artifacts" / EVENTS_FILE


def read_events(job: dict[str, Any], offset: int = 0, limit: int = MAX_EVENTS_PAGE) -> dict:
    """Events from byte ``offset`` on, whole lines only; ``next_offset`` resumes after them."""
    if job["kind"] != "spot-run":
        raise BadParameters(
            f"job {job['id']} is a {job['kind']} job; events belong to spot-run jobs",
            details={"field": "job_id"},
        )
    if offset < 0:
        raise BadParameters("offset must be >= 0", details={"field": "offset"})
    path = events_path(job)
    events: list[dict[str, Any]] = []
    next_offset = offset
    if path.is_file():
        size = path.stat().st_size
        if offset > size:
            raise Conflict(f"offset {offset} is past the end of the events ({size} bytes)")
        with path.open("rb") as f:
            f.seek(offset)
            for raw in f:
                if not raw.endswith(b"\n") or len(events) >= limit:
                    break  # a line still being written, or a full page
                next_offset += len(raw)
                try:
                    events.append(json.loads(raw))
                except ValueError:
                    continue
    from .models import FINAL_STATES

    return {
        "job_id": job["id"],
        "state": job["state"],
        "events": events,
        "offset": offset,
        "next_offset": next_offset,
        "done": job["state"] in FINAL_STATES
        and (not path.is_file() or next_offset >= os.path.getsize(path)),
    }


SPOT_RUN = JobKind(
    name="spot-run",
    title="Managed spot training run",
    description="Run a training command under the spot supervisor: simulated interruptions, "
    "checkpoint resume, SageMaker-like transitions, costs and savings.",
    validate=validate_spot,
    run=_run_spot,
    schema={
        "command": "list of strings (e.g. ['python', 'train.py', '--steps', '400']; "
        "the script inside the server root)",
        "checkpoint_uri": "string (folder inside the server root, or s3://bucket/prefix)",
        "max_run_s": "number (optional, default 86400)",
        "max_wait_s": "number (optional, >= max_run_s)",
        "notice_s": "number (optional, default 120)",
        "simulate_interruptions": "integer (optional, default 0)",
        "seed": "integer (optional, default 0)",
        "mode": "string (optional: notice, kill, mixed; default mixed)",
        "instance_type": "string (optional, default ml.g5.xlarge)",
        "nproc": "integer (optional, default 1; > 1 runs torchrun)",
        "wait_time_scale": "number (optional, default 1: simulated capacity waits sleep this "
        "fraction of their length)",
    },
)
