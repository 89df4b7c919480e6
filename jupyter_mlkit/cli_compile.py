"""``mlkit compile``: benchmark the training compiler on a zoo model or a training script
(thin: the core measures).

Exit status 0 when the benchmark ran (whatever it chose), 2 on bad options or input (a missing
script, a syntax error), 1 when a script raised or trained no model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .errors import MlkitError


class _CompileGroup(click.Group):
    """User errors as one line and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MlkitError as exc:
            _die(exc.message)
        except OSError as exc:  # --json names a folder or an unwritable place
            _die(str(exc))


def _die(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _num(v: Any, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def bench_text(row: dict[str, Any]) -> str:
    """A benchmark row (``bench_zoo``'s) as a candidates table and a summary, aligned text."""
    from .jobs.compile_kind import numerics_label

    width = max([len(c["name"]) for c in row["candidates"]] + [9])
    lines = [
        f"{'candidate':<{width}}  {'status':<8} {'step ms':>9} {'peak MiB':>9} "
        f"{'compile s':>9}  numerics  error",
        "-" * (width + 60),
    ]
    for c in row["candidates"]:
        mark = "*" if c["name"] == row["strategy"] else " "
        lines.append(
            f"{c['name']:<{width}}{mark} {c['status']:<8} {_num(c['step_ms'], '.3f'):>9} "
            f"{_num(c['peak_mem_mb'], '.2f'):>9} {_num(c['compile_s'], '.2f'):>9}  "
            f"{numerics_label(c):<8}  {c.get('error') or ''}".rstrip()
        )
    lines += [
        "",
        f"chosen: {row['strategy']} - {row['reason']}",
        f"speed-up: {_num(row['speedup'], '.2f')}x (eager {_num(row['eager_step_ms'], '.3f')} ms"
        f" -> {_num(row['step_ms'], '.3f')} ms per step)",
        "peak memory: not measured (Keras on CPU)"
        if row["peak_mem_eager_mb"] is None
        else f"peak memory: {_num(row['peak_mem_eager_mb'], '.2f')} MiB -> "
        f"{_num(row['peak_mem_mb'], '.2f')} MiB",
        f"compile: {row['compile_s']:.2f} s; break-even after {row['break_even_steps']} steps;"
        f" chose in {row['choose_s']:.1f} s"
        + (
            f" ({row['compile_total_s']:.1f} s in compile trials)"
            if row.get("compile_total_s")
            else ""
        ),
    ]
    return "\n".join(lines)


@click.group("compile", cls=_CompileGroup)
def compile_group() -> None:
    """Training compiler: measure strategies and keep the fastest that agrees with eager."""


@compile_group.command("bench")
@click.option("--model", "model", default=None, help="Zoo model (bert, gpt, resnet, ..., mlp).")
@click.option(
    "--script",
    default=None,
    help="A training script, run unchanged with its models optimized on their first step; "
    "its own arguments follow `--`.",
)
@click.option("--framework", default="torch", help="torch or keras.")
@click.option("--size", default="small", help="tiny, small or default.")
@click.option("--objective", default="speed", help="speed, memory or balanced.")
@click.option("--budget", "budget", default=120.0, type=float, help="Seconds to spend choosing.")
@click.option("--candidates", default=None, help="Restrict the candidates: 'a,b,c'.")
@click.option("--json", "json_out", default=None, help="Also write the result as JSON to a file.")
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED)
def bench_cmd(
    model: str | None,
    script: str | None,
    framework: str,
    size: str,
    objective: str,
    budget: float,
    candidates: str | None,
    json_out: str | None,
    script_args: tuple[str, ...],
) -> None:
    """Benchmark the compiler's candidates on a zoo model or a training script; print the
    table and the choice."""
    from .jobs.compile_kind import _validate

    if script is not None:
        if model is not None:
            _die("give --model NAME or --script FILE, not both")
        _bench_script(script, objective, budget, candidates, json_out, script_args)
        return
    if script_args:
        _die(f"unexpected arguments {' '.join(script_args)} (script arguments need --script)")
    if model is None:
        _die("give --model NAME (a zoo model: see `mlkit compile zoo`) or --script FILE")
    params = _validate(
        {
            "model": model,
            "framework": framework,
            "size": size,
            "objective": objective,
            "budget_s": budget,
            "candidates": candidates,
        },
        Path.cwd(),
    )
    from .compiler.bench import bench_zoo

    def progress(ev: dict[str, Any]) -> None:
        if ev.get("phase") == "trying":
            click.echo(f"trying {ev.get('name')} ...", err=True)

    try:
        row = bench_zoo(
            params["model"],
            params["framework"],
            params["size"],
            params["objective"],
            params["budget_s"],
            progress=progress,
            candidates=params["candidates"],
        )
    except ValueError as exc:  # an unknown candidate name for this model
        _die(str(exc))
    if json_out:
        _write_json(json_out, row)
    click.echo(bench_text(row))


def _write_json(json_out: str, data: Any) -> None:
    path = Path(json_out)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)  # never a half-written file under the final name


def _bench_script(
    script: str,
    objective: str,
    budget: float,
    candidates: str | None,
    json_out: str | None,
    script_args: tuple[str, ...],
) -> None:
    from .compiler.script import ScriptError, load_script
    from .jobs.compile_kind import common_options

    opts = common_options({"objective": objective, "budget_s": budget, "candidates": candidates})
    load_script(script)  # missing file or syntax error: exit 2 before anything runs
    from .compiler.bench import script_result

    def progress(ev: dict[str, Any]) -> None:
        if ev.get("phase") == "model":
            click.echo(f"optimizing {ev.get('name')} ({ev.get('framework')}) ...", err=True)
        elif ev.get("phase") == "trying":
            click.echo(f"  trying {ev.get('name')} ...", err=True)
        elif ev.get("phase") == "not-optimized":
            click.echo(f"{ev.get('model')}: not optimized: {ev.get('error')}", err=True)

    try:
        result = script_result(script, script, **opts, argv=script_args, progress=progress)
    except ScriptError as exc:
        for r in getattr(exc, "rows", []):
            click.echo(f"\nmodel {r['model']} ({r['framework']}):\n{bench_text(r)}")
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    except ValueError as exc:  # an unknown candidate name for the script's model
        _die(str(exc))
    if json_out:
        _write_json(json_out, result)
    for r in result["models"]:
        click.echo(f"\nmodel {r['model']} ({r['framework']}) in {script}:\n{bench_text(r)}")


@compile_group.command("zoo")
def zoo_cmd() -> None:
    """List the zoo's models per framework and the sizes."""
    from .jobs.compile_kind import zoo_catalog

    cat = zoo_catalog()
    for fw, names in cat["models"].items():
        click.echo(f"{fw}: {', '.join(names)}")
    click.echo(f"sizes: {', '.join(cat['sizes'])}")
