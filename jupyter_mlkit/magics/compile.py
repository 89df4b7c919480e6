"""``%%mlkit_compile`` at the top of an unchanged training cell, and ``%mlkit_compile_report``.

The cell magic finds the torch models in the namespace (with their optimizers), arms each so
that its first training forward optimizes it on that very batch, runs the cell, and shows the
reports. Problems are one line on stderr; the cell itself always runs.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

from ._common import Parser as _Parser
from ._common import UsageError as _UsageError

USAGE = (
    "usage: %%mlkit_compile [--objective speed|memory|balanced] [--budget SECONDS] "
    "[--candidates a,b,...]"
)


def _parser() -> _Parser:
    p = _Parser(prog="%%mlkit_compile", add_help=False)
    p.add_argument("--objective", default="speed", choices=["speed", "memory", "balanced"])
    p.add_argument("--budget", type=float, default=120.0)
    p.add_argument("--candidates", default=None)
    return p


def _say(message: str) -> None:
    print(f"mlkit_compile: {message}", file=sys.stderr)


@magics_class
class CompileMagics(Magics):
    def __init__(self, shell: Any = None):
        super().__init__(shell)
        # (variable name, CompileReport) of the last %%mlkit_compile cell
        self.last_reports: list[tuple[str, Any]] = []

    def _options(self, line: str) -> dict[str, Any]:
        from ..errors import MlkitError
        from ..jobs.compile_kind import check_budget, parse_candidates

        args = _parser().parse_args(shlex.split(line))
        try:
            return {
                "objective": args.objective,
                "budget_s": check_budget(args.budget, "--budget"),
                "candidates": parse_candidates(args.candidates, "--candidates"),
            }
        except MlkitError as exc:
            raise _UsageError(exc.message) from exc

    @cell_magic
    def mlkit_compile(self, line: str, cell: str) -> None:
        """Optimize the models this cell trains (on their first batch), then run the cell."""
        try:
            kw = self._options(line)
        except _UsageError as exc:
            _say(f"{exc}\n{USAGE}")
            return
        from ..compiler.auto import arm, find_models

        found = find_models(self.shell.user_ns)
        if not found:
            _say("no torch.nn.Module with parameters in the namespace; the cell runs unchanged")
        armed = [(name, arm(model, opt, **kw)) for name, model, opt in found]
        try:
            self.shell.run_cell(cell)
        finally:
            for _, a in armed:
                a.remove()  # a model the cell never called keeps no hook
        self._show(armed)

    def _show(self, armed: list[tuple[str, Any]]) -> None:
        from IPython.display import display

        self.last_reports = []
        for name, a in armed:
            if a.report is not None:
                a.report.model = name
                self.last_reports.append((name, a.report))
                r = a.report
                speed = "-" if r.speedup is None else f"{r.speedup:.2f}x"
                print(f"mlkit_compile: {name}: {r.strategy} ({speed})")
                display(r)
            elif a.error:
                _say(f"{name}: {a.error}")
            else:
                _say(f"{name} was not called for training in this cell; not optimized")

    @line_magic
    def mlkit_compile_report(self, line: str = "") -> None:
        """Show the reports of the last %%mlkit_compile cell again."""
        from IPython.display import display

        if not self.last_reports:
            _say("no report yet: run a training cell with %%mlkit_compile first")
            return
        for name, report in self.last_reports:
            print(f"mlkit_compile: {name}: {report.strategy}")
            display(report)
