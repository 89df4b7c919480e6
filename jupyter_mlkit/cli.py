"""The ``mlkit`` command: thin wrappers over the core libraries and the job system."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from . import __version__
from .errors import MlkitError


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def _fail(exc: MlkitError) -> None:
    click.echo(f"error: {exc.message}", err=True)
    sys.exit(2)


class _Group(click.Group):
    """Turns user errors from the core into one line and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MlkitError as exc:
            _fail(exc)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="mlkit")
def main() -> None:
    """jupyter-mlkit: training compiler, spot training, lifecycle configs, data quality, monitor."""


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> None:
    """Version, database, and which capabilities are usable here."""
    from .capabilities import capability_status
    from .db import default_db_path

    data = {
        "version": __version__,
        "database": str(default_db_path()),
        "capabilities": capability_status(),
    }
    if as_json:
        _echo_json(data)
        return
    click.echo(f"jupyter-mlkit {data['version']}  (database: {data['database']})")
    for name, cap in data["capabilities"].items():
        mark = "ok " if cap["usable"] else "-- "
        click.echo(f"  {mark}{name:<10} {cap['title']:<26} {cap['reason']}")


@main.group(cls=_Group)
def jobs() -> None:
    """List, show, cancel jobs and read their logs."""


def _job_line(job: dict[str, Any]) -> str:
    return (
        f"{job['id']}  {job['kind']:<10} {job['state']:<11} {job['progress']:>5.0%}  "
        f"{job['origin']:<9} {job['created_at'][:19]}  {job['message'][:50]}"
    )


@jobs.command("list")
@click.option("--kind", default=None)
@click.option("--state", default=None)
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def jobs_list(kind: str | None, state: str | None, limit: int, as_json: bool) -> None:
    """Newest jobs first."""
    from .jobs import JobStore

    page = JobStore().list(kind=kind, state=state, limit=limit)
    if as_json:
        _echo_json(page)
        return
    for job in page["jobs"]:
        click.echo(_job_line(job))
    click.echo(f"({len(page['jobs'])} of {page['total']} jobs)")


@jobs.command("show")
@click.argument("job_id")
def jobs_show(job_id: str) -> None:
    """One job as JSON."""
    from .jobs import JobStore

    _echo_json(JobStore().get(job_id))


@jobs.command("cancel")
@click.argument("job_id")
def jobs_cancel(job_id: str) -> None:
    """Cancel a job and stop its processes."""
    from .jobs import cancel_job

    job = cancel_job(job_id)
    click.echo(f"{job['id']} {job['state']}")


@jobs.command("logs")
@click.argument("job_id")
@click.option("--lines", default=200, show_default=True)
def jobs_logs(job_id: str, lines: int) -> None:
    """The last lines of a job's log."""
    from .jobs import JobStore

    click.echo(JobStore().tail_log(job_id, lines=lines))


@main.command()
@click.argument("file")
@click.option("--no-wait", is_flag=True, help="Start the job and return at once.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def profile(file: str, no_wait: bool, as_json: bool) -> None:
    """Profile a CSV, Parquet or JSON-lines FILE as a job (row count, per-column stats)."""
    from .jobs import start_job, wait_for

    job = start_job("profile", {"path": file}, root_dir=os.getcwd(), origin="cli")
    if no_wait:
        click.echo(job["id"])
        return
    done = wait_for(job["id"])
    if done["state"] != "completed":
        click.echo(
            f"error: job {done['id']} {done['state']}: "
            f"{(done['error'] or {}).get('message', done['message'])}",
            err=True,
        )
        sys.exit(1)
    result = done["result"]
    if as_json:
        _echo_json(done)
        return
    click.echo(f"job {done['id']}: {result['rows']} rows, {len(result['columns'])} columns")
    click.echo(f"  {'column':<24} {'type':<12} {'nulls':>8}  {'min':<16} {'max':<16}")
    for col in result["columns"]:
        click.echo(
            f"  {col['name']:<24} {col['type']:<12} {col['null_count']:>8}  "
            f"{str(col['min'])[:16]:<16} {str(col['max'])[:16]:<16}"
        )


from .cli_quality import dq  # noqa: E402 - registered after main is defined

main.add_command(dq)


from .cli_lifecycle import lifecycle  # noqa: E402 - after main so its helpers exist

main.add_command(lifecycle)

from .cli_monitor import monitor  # noqa: E402 - registered after main is defined

main.add_command(monitor)

from .cli_spot import spot  # noqa: E402 - registered after main is defined

main.add_command(spot)

from .cli_compile import compile_group  # noqa: E402 - registered after main is defined

main.add_command(compile_group)

if __name__ == "__main__":  # pragma: no cover
    main()
