"""``%mlkit_lifecycle list | run NAME [--hook H] | logs NAME [--hook H]``."""

from __future__ import annotations

import html
import os
import shlex
import sys

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.display import HTML, display

from ..errors import MlkitError, lifecycle_errors

USAGE = """usage:
  %mlkit_lifecycle list                      saved configurations (* = attached here)
  %mlkit_lifecycle run NAME [--hook on-start|on-create] [--timeout S]
                                             run one hook now, here, and show its output
  %mlkit_lifecycle logs NAME [--hook H]      the log of NAME's newest run
"""


def _option(args: list[str], name: str, default: str | None) -> str | None:
    if name in args:
        i = args.index(name)
        if i + 1 >= len(args):
            raise MlkitError(f"{name} needs a value")
        value = args[i + 1]
        del args[i : i + 2]
        return value
    return default


@magics_class
class LifecycleMagics(Magics):
    @line_magic
    def mlkit_lifecycle(self, line: str):
        try:
            args = shlex.split(line)
        except ValueError as exc:
            print(f"mlkit_lifecycle: {exc}", file=sys.stderr)
            return None
        if not args:
            print(USAGE)
            return None
        handler = getattr(self, f"_cmd_{args[0]}", None)
        if handler is None:
            print(f"mlkit_lifecycle: unknown command '{args[0]}'\n{USAGE}", file=sys.stderr)
            return None
        try:
            with lifecycle_errors():
                return handler(args[1:])
        except MlkitError as exc:  # a user's mistake: the message, no traceback
            print(f"mlkit_lifecycle: {exc.message}", file=sys.stderr)
            return None

    def _cmd_list(self, args):
        from ..lifecycle import LifecycleStore, default_server_name

        store = LifecycleStore()
        att = store.attachment(default_server_name())
        rows = "".join(
            f"<tr><td>{'*' if att and att.config_name == c.name else ''}</td>"
            f"<td>{html.escape(c.name)}</td><td>{c.version}</td>"
            f"<td>{', '.join(h.replace('_', '-') for h in c.to_config().hooks())}</td>"
            f"<td>{html.escape(c.description)}</td></tr>"
            for c in store.list()
        )
        display(
            HTML(
                "<table><tr><th>attached</th><th>name</th><th>version</th><th>hooks</th>"
                f"<th>description</th></tr>{rows}</table>"
            )
        )
        return None

    def _cmd_run(self, args):
        from jupyter_core.paths import jupyter_data_dir

        from ..lifecycle import (
            EnvInfo,
            LifecycleStore,
            default_log_dir,
            default_server_name,
            run_hook,
        )

        hook = _option(args, "--hook", "on-start")
        timeout = _option(args, "--timeout", "300")
        if len(args) != 1:
            raise MlkitError("usage: %mlkit_lifecycle run NAME [--hook H] [--timeout S]")
        store = LifecycleStore()
        stored = store.get(args[0])
        env = EnvInfo(default_server_name(), os.getcwd(), jupyter_data_dir())
        record = run_hook(
            stored.to_config(),
            hook,
            env_info=env,
            timeout_s=float(timeout),
            log_dir=default_log_dir(env.data_dir),
            store=store,
            version=stored.version,
        )
        print(store.read_log(record.id)["text"], end="")
        print(f"[{record.log_stream}] run {record.id}: {record.status}", file=sys.stderr)
        return record

    def _cmd_logs(self, args):
        from ..lifecycle import LifecycleStore

        hook = _option(args, "--hook", None)
        if len(args) != 1:
            raise MlkitError("usage: %mlkit_lifecycle logs NAME [--hook H]")
        store = LifecycleStore()
        store.get(args[0])
        runs = store.runs(args[0], hook=hook, limit=1)
        if not runs:
            print(f"{args[0]} has not run yet")
            return None
        print(store.read_log(runs[0].id, max_bytes=64 << 20)["text"], end="")
        return None
