"""Job kinds: what a job of each kind checks before it is created and what it runs.

A kind is registered by name with the dotted path of a :class:`JobKind`, so the server and the
CLI can list kinds without importing heavy engines; the worker imports only the one it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadParameters, UnknownJobKind


@dataclass
class JobContext:
    """What a running job may use: its progress reporter, log, artifact folder and root."""

    job_id: str
    root_dir: Path
    artifacts_dir: Path
    report: Callable[[float, str], None]
    log: Callable[[str], None]
    artifacts: list[str] = field(default_factory=list)
    # The job database's file, for kinds that keep their own state there (metric history).
    db_path: str | None = None

    def progress(self, fraction: float, message: str = "") -> None:
        self.report(max(0.0, min(1.0, float(fraction))), message)

    def add_artifact(self, path: str | Path) -> None:
        self.artifacts.append(str(path))


@dataclass
class JobKind:
    name: str
    title: str
    description: str
    # validate(params, root_dir) -> normalised params; raises MlkitError subclasses on bad input.
    validate: Callable[[dict[str, Any], Path], dict[str, Any]]
    # run(params, ctx) -> JSON-able result. Runs in the worker process.
    run: Callable[[dict[str, Any], JobContext], Any]
    schema: dict[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, str] = {
    "profile": "jupyter_mlkit.jobs.profile:PROFILE",
    "sleep": "jupyter_mlkit.jobs.builtin:SLEEP",
    "dq-run": "jupyter_mlkit.jobs.quality_kind:DQ_RUN",
    "dq-recommend": "jupyter_mlkit.jobs.quality_kind:DQ_RECOMMEND",
    "monitor-baseline": "jupyter_mlkit.jobs.monitor_kind:MONITOR_BASELINE",
    "monitor-analyze": "jupyter_mlkit.jobs.monitor_kind:MONITOR_ANALYZE",
    "monitor-quality": "jupyter_mlkit.jobs.monitor_quality:MONITOR_QUALITY",
    "compile-bench": "jupyter_mlkit.jobs.compile_kind:COMPILE_BENCH",
    "spot-run": "jupyter_mlkit.jobs.spot_kind:SPOT_RUN",
}


def register_kind(name: str, target: str) -> None:
    """Make ``name`` a job kind run by the :class:`JobKind` at ``module:attribute``."""
    _REGISTRY[name] = target


def kind_names() -> list[str]:
    return sorted(_REGISTRY)


def get_kind(name: Any) -> JobKind:
    if not isinstance(name, str) or name not in _REGISTRY:
        import difflib

        close = difflib.get_close_matches(str(name), _REGISTRY, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise UnknownJobKind(
            f"unknown job kind '{name}'{hint} (known: {', '.join(kind_names())})",
            details={"kind": name, "known": kind_names()},
        )
    module_name, _, attr = _REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module_name), attr)


def describe_kinds() -> list[dict[str, Any]]:
    out = []
    for name in kind_names():
        kind = get_kind(name)
        out.append(
            {
                "name": name,
                "title": kind.title,
                "description": kind.description,
                "parameters": kind.schema,
            }
        )
    return out


def require(
    params: dict[str, Any], key: str, typ: type | tuple[type, ...], *, default: Any = ...
) -> Any:
    """``params[key]`` checked against ``typ``, with a message naming the field when wrong."""
    if key not in params or params[key] is None:
        if default is ...:
            raise BadParameters(f"missing parameter '{key}'", details={"field": key})
        return default
    value = params[key]
    if isinstance(value, bool) and typ in (int, float, (int, float)):
        raise BadParameters(f"parameter '{key}' must be a number", details={"field": key})
    if not isinstance(value, typ):
        name = typ.__name__ if isinstance(typ, type) else " or ".join(t.__name__ for t in typ)
        raise BadParameters(f"parameter '{key}' must be of type {name}", details={"field": key})
    return value
