"""``mlkit spot``: run a training command under the spot supervisor, the price table, and
placement advice (where and when spot is cheapest).

``mlkit spot run`` exits 0 when the run completed, 1 when it failed or a limit stopped it, and 2
on a user error (a bad option, max_wait < max_run, no command).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from typing import Any

import click

from .errors import MlkitError


def _die(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


class _SpotGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MlkitError as exc:
            _die(exc.message)


@click.group(cls=_SpotGroup)
def spot() -> None:
    """Managed spot training: interruption-proof runs, costs and savings."""


def event_line(event: dict[str, Any]) -> str | None:
    """One human line for the events a person watching a run cares about, else None."""
    kind = event.get("type")
    clock = time.strftime("%H:%M:%S")
    if kind == "transition":
        return f"{clock} [{event['Status']}] {event['StatusMessage']}"
    if kind == "interruption":
        lost = event.get("lost_work_s") or 0.0
        saved = "saved on notice" if event.get("saved_on_notice") else f"lost {lost:.1f} s of work"
        return (
            f"{clock} !! interruption #{event['attempt']} ({event['mode']}) at step "
            f"{event['step']}, durable step {event['durable_step']}, {saved}; waiting "
            f"{event['capacity_wait_s']:.1f} s for spot capacity"
        )
    if kind == "restore":
        return f"{clock}    resumed from step {event.get('step')}"
    if kind == "skip":
        return f"{clock}    skipped a checkpoint: {event.get('reason', '')}"
    if kind == "fallback":
        return f"{clock} -> falling back to on-demand capacity ({event.get('reason')})"
    if kind == "warning":
        return f"{clock} warning: {event.get('message')}"
    if kind == "metric" and isinstance(event.get("loss"), (int, float)):
        return f"{clock}    step {event.get('step')}: loss {event['loss']:.4g}"
    return None


def _default_uri() -> str:
    # A fresh folder per run: reusing one would resume a finished run at its last step.
    return f"checkpoints/spot-{time.strftime('%Y%m%d-%H%M%S')}"


@spot.command("run", context_settings={"ignore_unknown_options": True})
@click.option("--checkpoint-uri", default=None, help="Folder or s3://bucket/prefix.")
@click.option("--max-run", type=float, default=86400.0, show_default=True, help="Seconds.")
@click.option("--max-wait", type=float, default=None, help="Seconds (>= --max-run).")
@click.option("--notice", type=float, default=120.0, show_default=True, help="Notice seconds.")
@click.option("--simulate-interruptions", type=int, default=0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--mode", type=click.Choice(["notice", "kill", "mixed"]), default="mixed", show_default=True
)
@click.option("--nproc", type=int, default=1, show_default=True, help="> 1 runs torchrun.")
@click.option("--instance-type", default="ml.g5.xlarge", show_default=True)
@click.option(
    "--wait-scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Sleep this fraction of each simulated capacity wait.",
)
@click.option("--metrics/--no-metrics", default=True, help="Print the script's loss records.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON at the end.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def run_cmd(
    checkpoint_uri: str | None,
    max_run: float,
    max_wait: float | None,
    notice: float,
    simulate_interruptions: int,
    seed: int,
    mode: str,
    nproc: int,
    instance_type: str,
    wait_scale: float,
    metrics: bool,
    as_json: bool,
    command: tuple[str, ...],
) -> None:
    """Run COMMAND (after --) under the spot supervisor, e.g.

    mlkit spot run --simulate-interruptions 5 -- python examples/spot_train.py
    """
    from .jobs.spot_kind import plan_for
    from .spot import run_spot_job
    from .spot.process import validate

    if not command:
        _die("no training command: put it after --, e.g. -- python train.py")
    if simulate_interruptions < 0:
        _die("--simulate-interruptions must be >= 0")
    if wait_scale < 0:
        _die("--wait-scale must be >= 0")
    try:  # the limits are checked before anything is printed or started
        validate(max_run, max_wait, notice, "on-demand", nproc)
    except ValueError as exc:
        _die(str(exc))
    uri = checkpoint_uri or _default_uri()
    out = sys.stderr if as_json else sys.stdout

    def on_event(event: dict[str, Any]) -> None:
        if event.get("type") == "metric" and not metrics:
            return
        line = event_line(event)
        if line:
            click.echo(line, file=out)

    click.echo(f"checkpoints: {uri}", file=out)
    try:
        with warnings.catch_warnings():
            # the supervisor's warnings arrive as events and are printed live; not twice
            warnings.simplefilter("ignore", UserWarning)
            result = run_spot_job(
                list(command),
                checkpoint_uri=uri,
                max_run_s=max_run,
                max_wait_s=max_wait,
                notice_s=notice,
                interruptions=plan_for(simulate_interruptions, seed, mode),
                nproc=nproc,
                instance_type=instance_type,
                on_event=on_event,
                wait_time_scale=wait_scale,
                seed=seed,
            )
    except ValueError as exc:  # the supervisor's other checks (an empty command)
        _die(str(exc))
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        click.echo(result.summary())
        click.echo(
            f"cost ${result.cost_usd:.4f} vs ${result.on_demand_cost_usd:.4f} on demand "
            f"({instance_type}); training log: {result.log_path}"
        )
    if result.status != "Completed" and not as_json:
        click.echo(f"error: {result.failure_reason or result.secondary_status}", err=True)
    sys.exit(0 if result.status == "Completed" else 1)


@spot.command("prices")
@click.option("--instance-type", default=None, help="Only this instance type.")
@click.option("--json", "as_json", is_flag=True)
def prices_cmd(instance_type: str | None, as_json: bool) -> None:
    """The shipped price table (estimates; see its source and date)."""
    from .spot import load_prices

    table = load_prices()
    rows = table["instances"]
    if instance_type:
        if instance_type not in rows:
            _die(f"no price for '{instance_type}' (known: {', '.join(sorted(rows))})")
        rows = {instance_type: rows[instance_type]}
    if as_json:
        click.echo(json.dumps({**table, "instances": rows}, indent=2))
        return
    click.echo(f"{'instance type':<20} {'on-demand $/h':>14} {'spot $/h':>10} {'saving':>7}")
    for name, row in sorted(rows.items()):
        od, sp = float(row["on_demand"]), float(row["spot"])
        click.echo(f"{name:<20} {od:>14.4f} {sp:>10.4f} {1 - sp / od:>7.0%}")
    click.echo(
        f"(estimates for {table.get('region', '?')}, as of {table.get('as_of', '?')}; "
        "see the table's 'source' with --json)"
    )


@spot.command("placement")
@click.option(
    "--instance-type",
    "instance_types",
    multiple=True,
    required=True,
    help="An allowed instance type (repeat for more), e.g. ml.g5.xlarge.",
)
@click.option("--region", default=None, help="AWS region (default: the configured one).")
@click.option("--days", type=float, default=7.0, show_default=True, help="History to look at.")
@click.option("--json", "as_json", is_flag=True)
def placement_cmd(
    instance_types: tuple[str, ...], region: str | None, days: float, as_json: bool
) -> None:
    """Where and when spot has been cheapest (EC2 spot price history; needs AWS credentials).

    Exits 2 on bad input or when EC2 has no prices for the types, 1 when AWS cannot be asked.
    """
    from .spot import NoPriceHistory, PriceHistoryUnavailable, placement_advice

    types = [t for arg in instance_types for t in arg.split(",")]
    try:
        advice = placement_advice(types, region=region, days=days)
    except PriceHistoryUnavailable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except (NoPriceHistory, ValueError) as exc:
        _die(str(exc))
    if as_json:
        click.echo(json.dumps(advice.to_dict(), indent=2, default=str))
        return
    best = advice.cheapest
    click.echo(
        f"cheapest: {best['instance_type']} in {best['az']} at ${best['mean_price']:.4f}/h "
        f"(mean over {advice.days:g} days, {advice.region})"
    )
    hours = ", ".join(f"{h:02d}:00" for h in advice.cheapest_hours_utc) or "-"
    click.echo(f"cheapest hours (UTC): {hours}")
    click.echo(f"{'instance type':<20} {'zone':<14} {'mean $/h':>10} {'min':>8} {'max':>8}")
    for c in advice.by_choice:
        click.echo(
            f"{c['instance_type']:<20} {c['az']:<14} {c['mean_price']:>10.4f} "
            f"{c['min_price']:>8.4f} {c['max_price']:>8.4f}"
        )
    if advice.missing_types:
        click.echo(f"no price history for: {', '.join(advice.missing_types)}")
