"""``mlkit lifecycle studio ...`` and ``mlkit lifecycle instances ...``: SageMaker from the shell.

Thin over :mod:`jupyter_mlkit.lifecycle.sagemaker` and :mod:`jupyter_mlkit.lifecycle.instances`.
Errors are turned into one line and exit 2 by the parent ``lifecycle`` group. A boto3 client may
be handed in as ``obj={"sagemaker_client": ...}`` (tests pass a Stubber-wrapped one); otherwise
the usual :func:`jupyter_mlkit.aws.client` is used.
"""

from __future__ import annotations

import json
from typing import Any

import click

from .lifecycle.sagemaker import STUDIO_APP_TYPES


def _sm() -> Any | None:
    obj = click.get_current_context().find_root().obj
    return obj.get("sagemaker_client") if isinstance(obj, dict) else None


def _store():
    from .lifecycle import LifecycleStore

    return LifecycleStore()


# -- Studio lifecycle configurations ------------------------------------------------------------
@click.group("studio")
def studio() -> None:
    """SageMaker Studio lifecycle configurations (one script per app type)."""


@studio.command("publish")
@click.argument("name")
@click.option(
    "--app-type", required=True, type=click.Choice(STUDIO_APP_TYPES), help="Studio app type."
)
@click.option(
    "--hook",
    default="on-start",
    show_default=True,
    type=click.Choice(["on-start", "on-create"]),
    help="Which script of the saved configuration NAME becomes the Studio script.",
)
@click.option("--as", "as_name", default=None, help="Name in Studio (default: NAME).")
def studio_publish(name: str, app_type: str, hook: str, as_name: str | None) -> None:
    """Create the Studio configuration from a saved configuration's script (Studio has no update:
    delete it first to change it)."""
    from .lifecycle.sagemaker import publish_studio_config

    stored = _store().get(name)
    script = stored.to_config().script(hook.replace("-", "_"))
    if script is None:
        raise click.UsageError(f"{name} has no {hook} script; choose the other --hook")
    arn = publish_studio_config(as_name or name, script, app_type, client=_sm())
    click.echo(f"created {arn}")


@studio.command("list")
@click.option("--app-type", type=click.Choice(STUDIO_APP_TYPES), default=None)
def studio_list(app_type: str | None) -> None:
    """Studio lifecycle configurations (name, app type, last modified)."""
    from .lifecycle.sagemaker import list_studio_configs

    rows = list_studio_configs(app_type=app_type, client=_sm())
    for r in rows:
        when = r.get("LastModifiedTime") or r.get("CreationTime")
        stamp = f"{when:%Y-%m-%d %H:%M}" if when else ""
        app = r.get("StudioLifecycleConfigAppType", "")
        click.echo(f"{r['StudioLifecycleConfigName']:<40} {app:<15} {stamp}".rstrip())
    if not rows:
        click.echo("no Studio lifecycle configurations")


@studio.command("show")
@click.argument("name")
def studio_show(name: str) -> None:
    """A Studio configuration's app type, ARN and decoded script."""
    from .lifecycle.sagemaker import describe_studio_config

    d = describe_studio_config(name, client=_sm())
    click.echo(f"# {d['StudioLifecycleConfigName']} ({d['StudioLifecycleConfigAppType']})")
    click.echo(f"# {d['StudioLifecycleConfigArn']}")
    click.echo(d["Script"], nl=not d["Script"].endswith("\n"))


@studio.command("delete")
@click.argument("name")
def studio_delete(name: str) -> None:
    """Delete a Studio configuration."""
    from .lifecycle.sagemaker import delete_studio_config

    delete_studio_config(name, client=_sm())
    click.echo(f"deleted Studio configuration {name}")


# -- notebook instances ----------------------------------------------------------------------------
@click.group("instances")
def instances() -> None:
    """SageMaker notebook instances: state, start/stop, and start/stop schedules."""


def _row_line(r: dict) -> str:
    sched = (r.get("schedule") or {}).get("text") or "-"
    return (
        f"{r['name']:<32} {r['status'] or '?':<10} {r['instance_type'] or '':<15} "
        f"{r['lifecycle_config'] or '-':<24} {sched}"
    )


@instances.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def instances_list(as_json: bool) -> None:
    """Notebook instances with their state, lifecycle configuration and schedule."""
    from .lifecycle.instances import list_instances

    out = list_instances(_store(), client=_sm())
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    for r in out["instances"]:
        click.echo(_row_line(r))
    for o in out["orphan_schedules"]:
        click.echo(f"(schedule for missing instance {o['instance']}: {o['schedule']['text']})")
    if not out["instances"]:
        click.echo("no notebook instances")


@instances.command("create")
@click.argument("name")
@click.option("--instance-type", default="ml.t3.medium", show_default=True)
@click.option("--volume-size", "volume_size_gb", type=int, default=5, show_default=True)
@click.option(
    "--lifecycle-config",
    default=None,
    help="A configuration saved here (published first) or one that exists in SageMaker.",
)
@click.option("--role-arn", default=None, help="IAM role (default: $MLKIT_SAGEMAKER_ROLE_ARN).")
def instances_create(
    name: str,
    instance_type: str,
    volume_size_gb: int,
    lifecycle_config: str | None,
    role_arn: str | None,
) -> None:
    """Create a notebook instance (every value is checked before SageMaker is called)."""
    from .lifecycle.instances import create_instance

    out = create_instance(
        _store(),
        name,
        instance_type=instance_type,
        volume_size_gb=volume_size_gb,
        lifecycle_config=lifecycle_config,
        role_arn=role_arn,
        client=_sm(),
    )
    if out["published"]:
        click.echo(f"{out['published']['action']} {out['published']['arn']}")
    click.echo(f"created {out['instance']['arn']} ({out['instance']['status']})")


def _state_command(action: str):
    @instances.command(action)
    @click.argument("name")
    def command(name: str) -> None:
        from .lifecycle.instances import change_state

        row = change_state(_store(), name, action, client=_sm())
        click.echo(f"{name}: {row['status']}")

    command.__doc__ = f"{action.capitalize()} notebook instance NAME."
    return command


instances_start = _state_command("start")
instances_stop = _state_command("stop")


@instances.command("delete")
@click.argument("name")
def instances_delete(name: str) -> None:
    """Delete a Stopped notebook instance and its stored schedule."""
    from .lifecycle.instances import delete_instance

    delete_instance(_store(), name, client=_sm())
    click.echo(f"deleted {name}")


@instances.command("schedule")
@click.argument("name")
@click.argument("spec", required=False)
@click.option("--clear", is_flag=True, help="Remove NAME's schedule.")
def instances_schedule(name: str, spec: str | None, clear: bool) -> None:
    """Show, set ("weekdays 09:00-19:00 [TZ]") or --clear NAME's start/stop schedule.

    The Jupyter server applies stored schedules periodically; `apply-schedules` does it now.
    """
    from .lifecycle import instances as ni

    store = _store()
    if clear:
        ni.delete_schedule(store, name)
        click.echo(f"{name}: schedule removed")
    elif spec is None:
        click.echo(f"{name}: {ni.get_schedule(store, name)['schedule']['text']}")
    else:
        row = ni.set_schedule(store, name, spec, client=_sm())
        due = f"; due now: {row['scheduled_action']}" if row["scheduled_action"] else ""
        click.echo(f"{name}: runs {row['schedule']['text']} (now {row['status']}{due})")


@instances.command("apply-schedules")
@click.option("--at", "at", default=None, help="ISO 8601 time to apply at (default: now).")
@click.option("--dry-run", is_flag=True, help="Say what would be done, do nothing.")
def instances_apply(at: str | None, dry_run: bool) -> None:
    """Start/stop every scheduled instance whose state disagrees with its schedule."""
    from .lifecycle import instances as ni

    out = ni.apply_stored_schedules(_store(), ni.parse_at(at), dry_run=dry_run, client=_sm())
    for r in out["results"]:
        what = r["action"] or "nothing to do"
        done = " (dry run)" if dry_run and r["action"] else ""
        error = f": {r['error']}" if r["error"] else ""
        click.echo(f"{r['instance']:<32} {r['state'] or '?':<10} {what}{done}{error}")
    if not out["results"]:
        click.echo("no schedules stored")
