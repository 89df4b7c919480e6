"""``%mlkit status``, ``%mlkit jobs``, ``%mlkit profile FILE``."""

from __future__ import annotations

import html
import os
import shlex
import sys

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.display import HTML, display

from ..errors import MlkitError

USAGE = """usage:
  %mlkit status                 which capabilities are usable here
  %mlkit jobs [KIND]            the newest jobs (from the panel, the CLI and notebooks)
  %mlkit profile FILE [--background]
                                profile a CSV/Parquet/JSON-lines file as a job
"""


@magics_class
class MlkitMagics(Magics):
    @line_magic
    def mlkit(self, line: str):
        try:
            args = shlex.split(line)
        except ValueError as exc:
            print(f"mlkit: {exc}", file=sys.stderr)
            return None
        if not args:
            print(USAGE)
            return None
        command, rest = args[0], args[1:]
        handler = getattr(self, f"_cmd_{command}", None)
        if handler is None:
            print(f"mlkit: unknown command '{command}'\n{USAGE}", file=sys.stderr)
            return None
        try:
            return handler(rest)
        except MlkitError as exc:  # a user's mistake: one line, no traceback
            print(f"mlkit: {exc.message}", file=sys.stderr)
            return None

    def _cmd_status(self, args):
        from .. import __version__
        from ..capabilities import capability_status

        caps = capability_status()
        rows = "".join(
            f"<tr><td>{html.escape(c['title'])}</td><td>{'yes' if c['usable'] else 'no'}</td>"
            f"<td>{html.escape(c['reason'])}</td></tr>"
            for c in caps.values()
        )
        display(
            HTML(
                f"<p><b>jupyter-mlkit {__version__}</b></p><table><tr><th>capability"
                f"</th><th>usable</th><th>why</th></tr>{rows}</table>"
            )
        )
        return None

    def _cmd_jobs(self, args):
        from ..jobs import JobStore

        page = JobStore().list(kind=args[0] if args else None, limit=20)
        rows = "".join(
            f"<tr><td><code>{j['id'][:8]}</code></td><td>{html.escape(j['kind'])}</td>"
            f"<td>{j['state']}</td><td>{j['progress']:.0%}</td><td>{j['origin']}</td>"
            f"<td>{j['created_at'][:19]}</td><td>{html.escape(j['message'][:60])}</td></tr>"
            for j in page["jobs"]
        )
        display(
            HTML(
                f"<table><tr><th>id</th><th>kind</th><th>state</th><th>progress</th>"
                f"<th>from</th><th>created</th><th>message</th></tr>{rows}</table>"
                f"<p>{len(page['jobs'])} of {page['total']} jobs</p>"
            )
        )
        return None

    def _cmd_profile(self, args):
        from ..jobs import start_job
        from ..widgets import JobProgress

        background = "--background" in args
        paths = [a for a in args if a != "--background"]
        if len(paths) != 1:
            print("usage: %mlkit profile FILE [--background]", file=sys.stderr)
            return None
        job = start_job("profile", {"path": paths[0]}, root_dir=os.getcwd(), origin="notebook")
        view = JobProgress(job)
        display(view)
        if background:
            view.follow_in_background()
            return None
        return view.follow()
