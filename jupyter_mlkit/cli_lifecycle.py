"""``mlkit lifecycle ...``: lifecycle configurations from the shell (thin over the core)."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from .errors import lifecycle_errors


class _LcGroup(click.Group):
    """Lifecycle errors (bad scripts, unknown names, AWS refusals) as one line and exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        from .cli import _fail
        from .errors import MlkitError

        try:
            with lifecycle_errors():
                return super().invoke(ctx)
        except MlkitError as exc:
            problems = (exc.details or {}).get("problems") if isinstance(exc.details, dict) else 0
            if problems:  # the message already lists them, one per line
                click.echo(f"error: {exc}", err=True)
                sys.exit(2)
            _fail(exc)


def _store():
    from .lifecycle import LifecycleStore

    return LifecycleStore()


def _server(server: str | None) -> str:
    from .lifecycle import default_server_name

    return server or default_server_name()


_SERVER = click.option(
    "--server",
    default=None,
    help="Server name (default: the SageMaker notebook instance name, else the host name).",
)


@click.group(cls=_LcGroup)
def lifecycle() -> None:
    """On-create / on-start scripts for Jupyter servers, and their SageMaker twins."""


@lifecycle.command("create")
@click.argument("name")
@click.option("--on-create", "on_create", type=click.Path(dir_okay=False), default=None)
@click.option("--on-start", "on_start", type=click.Path(dir_okay=False), default=None)
@click.option("--template", default=None, help="Start from a template (see `templates`).")
@click.option("--param", "params", multiple=True, help="Template parameter KEY=VALUE.")
@click.option("--hook", default=None, help="Hook for the template (default: the template's).")
@click.option("--description", default=None)
@click.option("--update", is_flag=True, help="Save as a new version when NAME exists.")
def create(
    name: str,
    on_create: str | None,
    on_start: str | None,
    template: str | None,
    params: tuple[str, ...],
    hook: str | None,
    description: str | None,
    update: bool,
) -> None:
    """Save configuration NAME from script files and/or a template (validated first)."""
    from .lifecycle import LifecycleConfig, config_from_template
    from .lifecycle.templates import parse_params

    if params and not template:
        raise click.UsageError("--param needs --template")
    if not (on_create or on_start or template):
        raise click.UsageError("give --on-create FILE, --on-start FILE or --template T")
    config = LifecycleConfig.from_files(name, on_create, on_start)
    if template:
        config = config_from_template(
            name, template, parse_params(list(params)), hook=hook, base=config
        )
    store = _store()
    stored = (
        store.save(config, description=description)
        if update
        else store.create(config, description=description)
    )
    click.echo(f"saved {stored.name} version {stored.version}")


@lifecycle.command("list")
@_SERVER
def list_(server: str | None) -> None:
    """Saved configurations; * marks the one attached to this server."""
    store = _store()
    att = store.attachment(_server(server))
    configs = store.list()
    for c in configs:
        mark = "*" if att and att.config_name == c.name else " "
        hooks = ",".join(h.replace("_", "-") for h in c.to_config().hooks()) or "-"
        click.echo(f"{mark} {c.name:<32} v{c.version:<4} {hooks:<20} {c.description}")
    if not configs:
        click.echo("no lifecycle configurations (create one with `mlkit lifecycle create`)")


@lifecycle.command("show")
@click.argument("name")
@click.option("--version", type=int, default=None)
def show(name: str, version: int | None) -> None:
    """A configuration's scripts."""
    c = _store().get(name, version)
    click.echo(f"# {c.name} version {c.version} of {c.latest_version}  {c.description}")
    for hook in ("on_create", "on_start"):
        script = getattr(c, hook)
        click.echo(f"--- {hook.replace('_', '-')} ---")
        click.echo(script.rstrip("\n") if script else "(none)")


@lifecycle.command("delete")
@click.argument("name")
@click.option("--force", is_flag=True, help="Also when attached (detaches it).")
def delete(name: str, force: bool) -> None:
    """Delete a configuration and all its versions."""
    _store().delete(name, force=force)
    click.echo(f"deleted {name}")


@lifecycle.command("attach")
@click.argument("name")
@_SERVER
def attach(name: str, server: str | None) -> None:
    """Attach NAME to this Jupyter server: it runs at the server's next start."""
    att = _store().attach(name, _server(server))
    click.echo(f"attached {att.config_name} to {att.server}; it runs at the next server start")


@lifecycle.command("detach")
@_SERVER
def detach(server: str | None) -> None:
    """Detach whatever is attached to this server."""
    server = _server(server)
    if _store().detach(server):
        click.echo(f"detached from {server}")
    else:
        click.echo(f"nothing was attached to {server}")


@lifecycle.command("run")
@click.argument("name")
@click.option("--hook", default="on-start", show_default=True, help="on-create or on-start")
@click.option("--timeout", "timeout_s", type=float, default=300.0, show_default=True)
@_SERVER
def run(name: str, hook: str, timeout_s: float, server: str | None) -> None:
    """Run one hook of NAME now, here (working directory = server root). Exit 1 if it fails."""
    from jupyter_core.paths import jupyter_data_dir

    from .lifecycle import EnvInfo, default_log_dir, run_hook

    store = _store()
    stored = store.get(name)
    env = EnvInfo(server_name=_server(server), server_root=os.getcwd(), data_dir=jupyter_data_dir())
    record = run_hook(
        stored.to_config(),
        hook,
        env_info=env,
        timeout_s=timeout_s,
        log_dir=default_log_dir(env.data_dir),
        store=store,
        version=stored.version,
    )
    click.echo(store.read_log(record.id)["text"], nl=False)
    click.echo(
        f"[{record.log_stream}] run {record.id}: {record.status}"
        + (f" (exit {record.exit_code})" if record.exit_code is not None else "")
        + (f": {record.error}" if record.error else ""),
        err=True,
    )
    if not record.ok:
        sys.exit(1)


@lifecycle.command("logs")
@click.argument("name")
@click.option("--hook", default=None, help="on-create or on-start (default: either)")
@click.option("--run", "run_id", type=int, default=None, help="A run id (see --history).")
@click.option("--history", is_flag=True, help="List the runs instead of printing a log.")
def logs(name: str, hook: str | None, run_id: int | None, history: bool) -> None:
    """The log of NAME's newest run (or of --run ID)."""
    store = _store()
    store.get(name)  # an unknown name is an error, not an empty history
    runs = store.runs(name, hook=hook, limit=50)
    if history:
        for r in runs:
            click.echo(
                f"{r.id:>5}  {r.hook.replace('_', '-'):<9} {r.status:<9} "
                f"{r.started_at:%Y-%m-%d %H:%M:%S}  {r.log_stream}"
            )
        return
    if run_id is None:
        if not runs:
            click.echo(f"{name} has not run yet", err=True)
            return
        run_id = runs[0].id
    r = store.get_run(run_id)
    click.echo(f"# run {r.id} {r.log_stream} {r.status}", err=True)
    click.echo(store.read_log(run_id, max_bytes=64 << 20)["text"], nl=False)


@lifecycle.command("templates")
def templates() -> None:
    """The template library and each template's parameters."""
    from .lifecycle import list_templates

    for t in list_templates():
        click.echo(f"{t.name:<24} ({t.hook.replace('_', '-')}) {t.title}")
        for p in t.params:
            need = "required" if p.required else f"default {p.default!r}"
            click.echo(f"    {p.name:<20} {need:<22} {p.help}")


@lifecycle.command("publish")
@click.argument("name")
def publish(name: str) -> None:
    """Create (or update) NAME as a SageMaker notebook-instance lifecycle configuration."""
    from .lifecycle.sagemaker import publish_config

    out = publish_config(_store().get(name).to_config())
    click.echo(f"{out['action']} {out['arn']}")


@lifecycle.command("import")
@click.argument("name")
@click.option("--as", "as_name", default=None, help="Save under another name.")
def import_(name: str, as_name: str | None) -> None:
    """Read NAME from SageMaker and save it here (a new version when it exists)."""
    from .lifecycle import LifecycleConfig
    from .lifecycle.sagemaker import import_config

    cfg = import_config(name)
    if as_name:
        cfg = LifecycleConfig(as_name, cfg.on_create, cfg.on_start, cfg.description)
    stored = _store().save(cfg, description=f"imported from SageMaker {name}")
    click.echo(f"imported {name} as {stored.name} version {stored.version}")


# Studio configurations and notebook instances live in their own module (this one stays short).
from .cli_lifecycle_sagemaker import instances, studio  # noqa: E402 - after the group exists

lifecycle.add_command(studio)
lifecycle.add_command(instances)
