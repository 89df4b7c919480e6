"""The ``compile-bench`` job: benchmark the training compiler on a zoo model or a script.

``validate`` runs in the server (cheap: no torch import; a script is only parsed); ``run`` runs
in the worker and calls :func:`jupyter_mlkit.compiler.bench.bench_zoo` or
:func:`jupyter_mlkit.compiler.bench.script_result`, reporting each candidate as progress.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import BadParameters
from .kinds import JobContext, JobKind, require

FRAMEWORKS = ("torch", "keras")
OBJECTIVES = ("speed", "memory", "balanced")
MAX_BUDGET_S = 3600.0
REPORT_FILE = "compile_report.json"


def zoo_catalog() -> dict[str, Any]:
    """The zoo's models per framework and its sizes (for pickers; imports no framework)."""
    from ..compiler import zoo

    return {
        "models": {"torch": list(zoo.MODELS), "keras": list(zoo.KERAS_MODELS)},
        "sizes": list(zoo.SIZES),
        "frameworks": list(FRAMEWORKS),
        "objectives": list(OBJECTIVES),
    }


def parse_candidates(value: Any, field: str = "candidates") -> list[str] | None:
    """A list of candidate names from a list or a comma-separated string; None means all."""
    if isinstance(value, str):
        value = [v for v in (s.strip() for s in value.split(",")) if v]
    if value is None or value == []:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BadParameters(
            f"'{field}' must be a list of candidate names (or 'a,b,c')", details={"field": field}
        )
    return [v.strip() for v in value]


def check_choice(value: Any, allowed: tuple[str, ...] | list[str], field: str) -> str:
    if value not in allowed:
        raise BadParameters(
            f"'{field}' must be one of {', '.join(allowed)}, got {value!r}",
            details={"field": field},
        )
    return value


def check_budget(value: Any, field: str = "budget_s") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadParameters(f"'{field}' must be a number of seconds", details={"field": field})
    if not 0 < value <= MAX_BUDGET_S:
        raise BadParameters(
            f"'{field}' must be between 0 and {MAX_BUDGET_S:.0f} seconds, got {value}",
            details={"field": field},
        )
    return float(value)


def common_options(params: dict[str, Any]) -> dict[str, Any]:
    """objective, budget_s and candidates, checked (zoo model and script alike)."""
    return {
        "objective": check_choice(
            require(params, "objective", str, default="speed"), OBJECTIVES, "objective"
        ),
        "budget_s": check_budget(params.get("budget_s", 120)),
        "candidates": parse_candidates(params.get("candidates")),
    }


def check_args(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadParameters("'args' must be a list of strings", details={"field": "args"})
    return value


def _validate_script(params: dict[str, Any], root: Path) -> dict[str, Any]:
    from ..compiler.script import ScriptError, load_script
    from ..paths import resolve_inside

    if params.get("model") is not None:
        raise BadParameters("give 'model' or 'script', not both", details={"field": "script"})
    script = require(params, "script", str)
    path = resolve_inside(root, script)
    try:
        load_script(path)  # a missing file or a syntax error is a 400 now, not a failed job
    except ScriptError as exc:
        details = {"field": "script", **(exc.details or {})}
        raise BadParameters(exc.message, details=details) from exc
    return {"script": script, **common_options(params), "args": check_args(params.get("args"))}


def _validate(params: dict[str, Any], root: Path) -> dict[str, Any]:
    if params.get("script") is not None:
        return _validate_script(params, root)
    cat = zoo_catalog()
    framework = check_choice(
        require(params, "framework", str, default="torch"), FRAMEWORKS, "framework"
    )
    model = check_choice(require(params, "model", str), cat["models"][framework], "model")
    return {
        "model": model,
        "framework": framework,
        "size": check_choice(require(params, "size", str, default="small"), cat["sizes"], "size"),
        **common_options(params),
    }


def numerics_label(c: dict[str, Any]) -> str:
    """A bench row candidate's numerical check as a word: ok, failed or - (not run)."""
    if c.get("status") == "rejected":
        return "failed"
    return "-" if c.get("max_rel_loss_diff") is None else "ok"


def _run(params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    total = [1]

    def progress(ev: dict[str, Any]) -> None:
        phase = ev.get("phase")
        if phase == "start":
            total[0] = max(1, int(ev.get("total") or 1))
            ctx.progress(0.02, f"measuring {total[0]} candidates")
        elif phase == "trying":
            i = int(ev.get("index") or 0)
            ctx.progress(0.05 + 0.85 * i / total[0], f"trying {ev.get('name')}")
        elif phase == "candidate":
            step = ev.get("step_s")
            took = f" {step * 1000:.2f} ms/step" if step else ""
            ctx.log(f"{ev.get('name')}: {ev.get('status')}{took}")
        elif phase == "confirm":
            ctx.progress(0.92, f"confirming {ev.get('name')} against eager")
        elif phase == "model":
            ctx.progress(0.01, f"optimizing {ev.get('name')} ({ev.get('framework')})")
        elif phase == "not-optimized":
            ctx.log(f"{ev.get('model')}: not optimized: {ev.get('error')}")

    try:
        if params.get("script") is not None:
            row = _run_script(params, ctx, progress)
        else:
            from ..compiler.bench import bench_zoo

            fw, model, size = params["framework"], params["model"], params["size"]
            ctx.progress(0.0, f"building {fw} {model} ({size})")
            row = bench_zoo(
                model,
                fw,
                size,
                params["objective"],
                params["budget_s"],
                progress=progress,
                candidates=params.get("candidates"),
            )
    except ValueError as exc:  # unknown candidate name for this model, bad objective
        raise BadParameters(str(exc), details={"field": "candidates"}) from exc
    for r in row.get("models", [row]):
        for c in r["candidates"]:
            c["numerics"] = numerics_label(c)
    path = ctx.artifacts_dir / REPORT_FILE
    tmp = path.with_name(f".{REPORT_FILE}.tmp")
    tmp.write_text(json.dumps(row, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)  # never a half-written report under the final name
    ctx.add_artifact(path)
    ctx.progress(1.0, f"chose {row['strategy']} ({row['speedup']}x)")
    return row


def _run_script(params: dict[str, Any], ctx: JobContext, progress: Any) -> dict[str, Any]:
    import contextlib
    import os

    from ..compiler.bench import script_result
    from ..paths import resolve_inside

    path = resolve_inside(ctx.root_dir, params["script"])
    ctx.progress(0.0, f"running {params['script']}")
    # The worker runs this one job: the script runs in its own folder, as `python train.py`
    # would there, and what it prints goes to the job's log.
    os.chdir(path.parent)
    with contextlib.redirect_stdout(_LogWriter(ctx.log)):
        return script_result(
            path,
            params["script"],
            objective=params["objective"],
            budget_s=params["budget_s"],
            candidates=params.get("candidates"),
            argv=params.get("args") or [],
            progress=progress,
        )


class _LogWriter:
    """A text stream that sends whole lines to the job's log."""

    def __init__(self, log: Any):
        self.log, self.buf = log, ""

    def write(self, s: str) -> int:
        self.buf += s
        *lines, self.buf = self.buf.split("\n")
        for ln in lines:
            self.log(f"script: {ln}")
        return len(s)

    def flush(self) -> None:
        pass


COMPILE_BENCH = JobKind(
    name="compile-bench",
    title="Benchmark the training compiler",
    description="Measure the compiler's candidate strategies on a zoo model (random weights, "
    "generated data) or on the models a training script trains, and report the choice, "
    "speed-up, memory and break-even steps.",
    validate=_validate,
    run=_run,
    schema={
        "model": "string (zoo model: bert, gpt, resnet, efficientnet, lstm, tcn, dlrm, mlp)",
        "script": "string (instead of model: a training script inside the server root)",
        "args": "list of strings (optional, with script: the script's command-line arguments)",
        "framework": "string (optional: torch or keras; default torch)",
        "size": "string (optional: tiny, small or default; default small)",
        "objective": "string (optional: speed, memory or balanced; default speed)",
        "budget_s": "number (optional: seconds to spend choosing; default 120)",
        "candidates": "list of strings (optional: restrict the candidates)",
    },
)
