"""``%%dq DATAFRAME_OR_PATH`` (the cell is DQDL) and ``%dq_recommend DATAFRAME_OR_PATH``."""

from __future__ import annotations

import functools
import shlex
from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

from ..errors import MlkitError
from ._common import Parser as _Parser
from ._common import UsageError as _UsageError
from ._common import resolve
from ._common import say as _say

DQ_USAGE = (
    "usage: %%dq DATAFRAME_OR_PATH [--row-level] [--name NAME] [--ref ALIAS=VAR_OR_PATH ...]\n"
    "            [--engine duckdb|spark]\n"
    "       (the cell body is a DQDL ruleset; a Spark DataFrame runs on Spark by itself)"
)


@functools.cache
def _notebook_result_class() -> type:
    from ..quality import QualityResult

    class NotebookQualityResult(QualityResult):
        """A QualityResult that a notebook shows as the results widget."""

        def _ipython_display_(self) -> None:
            from IPython.display import display

            from ..widgets.quality_result import QualityResultView

            display(QualityResultView(self))

    return NotebookQualityResult


def _shown_as_widget(result: Any) -> Any:
    """The same result, displayed as the results widget when it is a cell's value.

    So ``%%dq`` shows it once (the widget, not also the HTML table) and ``_`` still holds it.
    """
    from dataclasses import fields

    cls = _notebook_result_class()
    return cls(**{f.name: getattr(result, f.name) for f in fields(result)})


def _dq_parser() -> _Parser:
    p = _Parser(prog="%%dq", add_help=False)
    p.add_argument("data")
    p.add_argument("--row-level", action="store_true")
    p.add_argument("--name", default=None)
    p.add_argument("--ref", action="append", default=[])
    p.add_argument("--engine", choices=["duckdb", "spark"], default=None)
    return p


@magics_class
class QualityMagics(Magics):
    def _resolve(self, name: str) -> Any:
        return resolve(self.shell, name)

    @cell_magic
    def dq(self, line: str, cell: str):
        """Evaluate the DQDL ruleset in the cell on a DataFrame/Arrow table variable or a path.

        Returns the QualityResult, which a notebook shows as the results widget.
        """
        from ..quality import DataError, DQDLSyntaxError, evaluate

        try:
            args = _dq_parser().parse_args(shlex.split(line))
            data = self._resolve(args.data)
            refs = {}
            for ref in args.ref:
                alias, sep, target = ref.partition("=")
                if not sep or not alias or not target:
                    raise _UsageError(f"--ref takes ALIAS=VAR_OR_PATH, not '{ref}'")
                refs[alias] = self._resolve(target)
            spark = None
            if args.engine == "spark":
                from ..quality.spark import local_session

                spark = local_session()  # the notebook's active session when there is one
            result = evaluate(
                cell,
                data,
                references=refs or None,
                row_level=args.row_level,
                history=args.name,
                dataset_name=args.name or (args.data if isinstance(data, str) else None),
                engine=args.engine,
                spark=spark,
            )
        except DQDLSyntaxError as exc:
            _say(f"line {exc.line}, column {exc.column}: {exc.message}")
            return None
        except _UsageError as exc:
            _say(f"dq: {exc}\n{DQ_USAGE}")
            return None
        except DataError as exc:  # unreadable, empty or unsupported data
            _say(f"dq: {exc}")
            return None
        except MlkitError as exc:
            _say(f"dq: {exc.message}")
            return None
        except (ImportError, ValueError) as exc:  # no pyspark; a Spark DataFrame with duckdb
            _say(f"dq: {exc}")
            return None
        return _shown_as_widget(result)

    @line_magic
    def dq_recommend(self, line: str):
        """Print a DQDL ruleset that holds on the data, and offer it as the next cell."""
        from ..quality import DataError, recommend

        parts = shlex.split(line)
        if len(parts) != 1:
            _say("usage: %dq_recommend DATAFRAME_OR_PATH")
            return None
        try:
            text = recommend(self._resolve(parts[0]))
        except (_UsageError, DataError) as exc:
            _say(f"dq_recommend: {exc}")
            return None
        print(text)
        if self.shell is not None and hasattr(self.shell, "set_next_input"):
            self.shell.set_next_input(f"%%dq {shlex.quote(parts[0])}\n{text}", replace=False)
        return None
