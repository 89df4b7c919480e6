"""A tiny job kind for tests and demos: waits, reporting progress (and can fail on purpose)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..errors import BadParameters
from .kinds import JobContext, JobKind, require


def _validate(params: dict[str, Any], root: Path) -> dict[str, Any]:
    seconds = require(params, "seconds", (int, float), default=1.0)
    if not 0 <= seconds <= 3600:
        raise BadParameters(
            "parameter 'seconds' must be between 0 and 3600", details={"field": "seconds"}
        )
    steps = require(params, "steps", int, default=10)
    if not 1 <= steps <= 10000:
        raise BadParameters(
            "parameter 'steps' must be between 1 and 10000", details={"field": "steps"}
        )
    fail = require(params, "fail", bool, default=False)
    spawn_child = require(params, "spawn_child", bool, default=False)
    busy = require(params, "busy", bool, default=False)
    return {
        "seconds": float(seconds),
        "steps": steps,
        "fail": fail,
        "spawn_child": spawn_child,
        "busy": busy,
    }


def _wait(seconds: float, busy: bool) -> None:
    if not busy:
        time.sleep(seconds)
        return
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:  # burn CPU (benchmarks: a CPU-heavy job)
        x = (x * 31 + 7) % 1_000_003


def _run(params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    child = None
    if params["spawn_child"]:
        import subprocess

        # A grandchild that would outlive us unless the whole process group is stopped.
        child = subprocess.Popen(["sleep", str(int(params["seconds"]) + 60)])
        ctx.log(f"child pid {child.pid}")
    for i in range(params["steps"]):
        _wait(params["seconds"] / params["steps"], params.get("busy", False))
        ctx.progress((i + 1) / params["steps"], f"step {i + 1} of {params['steps']}")
    if params["fail"]:
        raise RuntimeError("failed on purpose")
    return {"slept_s": params["seconds"], "child_pid": child.pid if child else None}


SLEEP = JobKind(
    name="sleep",
    title="Sleep",
    description="Waits for a while, reporting progress (for tests and demos).",
    validate=_validate,
    run=_run,
    schema={"seconds": "number", "steps": "integer", "fail": "boolean", "busy": "boolean"},
)
