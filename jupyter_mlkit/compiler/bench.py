"""Benchmark helpers for front doors (`mlkit compile bench`, the REST job) and benchmarks/."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import optimize, zoo
from .report import CompileReport


def bench_zoo(
    name: str,
    framework: str = "torch",
    size: str = "small",
    objective: str = "speed",
    budget_s: float = 120.0,
    progress: Callable[[dict], None] | None = None,
    candidates: list[Any] | None = None,
) -> dict[str, Any]:
    """Build zoo model `name`, run `optimize` on it and return one flat JSON-able row."""
    case = zoo.build(name, framework, size)
    threads = _torch_threads()
    t = time.perf_counter()
    try:
        res = optimize(
            case.model,
            case.example_inputs,
            loss_fn=case.loss_fn,
            example_target=case.example_target,
            objective=objective,
            budget_s=budget_s,
            progress=progress,
            candidates=candidates,
        )
    finally:
        # a threads=N winner is process-wide; the next model must start from the same setting
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
    return row(name, framework, size, objective, res.report, time.perf_counter() - t)


def script_result(
    path: Any,
    display: str,
    *,
    objective: str = "speed",
    budget_s: float = 120.0,
    candidates: list[Any] | None = None,
    argv: Any = (),
    progress: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """Run a training script with its models armed (`script.bench_script`); the result is the
    first model's row (the zoo row's shape, `size` "script") plus `script` and `models`, every
    model's row. A ScriptError carries the rows of models optimized before the script failed
    in `exc.rows`."""
    from .script import ScriptError, bench_script

    def rows(reports: list[CompileReport]) -> list[dict[str, Any]]:
        return [
            {
                **row(r.model or "model", r.framework, "script", objective, r, r.elapsed_s),
                "script": display,
            }
            for r in reports
        ]

    try:
        reports = bench_script(
            path,
            objective=objective,
            budget_s=budget_s,
            candidates=candidates,
            argv=tuple(argv),
            progress=progress,
        )
    except ScriptError as exc:
        exc.rows = rows(exc.reports)  # type: ignore[attr-defined]
        raise
    out = rows(reports)
    return {**out[0], "models": out}


def _torch_threads() -> int | None:
    try:
        import torch
    except ImportError:
        return None
    return torch.get_num_threads()


def row(
    name: str, framework: str, size: str, objective: str, report: CompileReport, wall_s: float
) -> dict[str, Any]:
    """One benchmark row (milliseconds, MiB) from a report."""
    c = report
    return {
        "model": name,
        "framework": framework,
        "size": size,
        "objective": objective,
        "strategy": c.strategy,
        "reason": c.reason,
        "eager_step_ms": c.eager_step_s and round(c.eager_step_s * 1000, 3),
        "step_ms": c.step_s and round(c.step_s * 1000, 3),
        "speedup": c.speedup and round(c.speedup, 3),
        "peak_mem_eager_mb": c.peak_mem_eager_bytes and round(c.peak_mem_eager_bytes / 2**20, 2),
        "peak_mem_mb": c.peak_mem_bytes and round(c.peak_mem_bytes / 2**20, 2),
        "memory_saving": c.memory_saving and round(c.memory_saving, 3),
        "compile_s": round(c.compile_s, 2),
        "compile_total_s": round(c.compile_total_s, 2),
        "break_even_steps": c.break_even_steps,
        "choose_s": round(c.elapsed_s, 1),
        "wall_s": round(wall_s, 1),
        "candidates": [
            {
                "name": r.name,
                "status": r.status,
                "step_ms": r.step_s and round(r.step_s * 1000, 3),
                "peak_mem_mb": r.peak_mem_bytes and round(r.peak_mem_bytes / 2**20, 2),
                "compile_s": r.compile_s and round(r.compile_s, 2),
                "max_rel_loss_diff": r.max_rel_loss_diff,
                "error": r.error,
            }
            for r in c.candidates
        ],
    }
