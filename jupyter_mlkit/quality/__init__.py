"""Data quality: AWS Glue's DQDL rules on any table, evaluated with DuckDB.

>>> from jupyter_mlkit.quality import parse, evaluate, recommend
>>> result = evaluate('Rules = [ RowCount > 0, IsComplete "id" ]', df)
>>> result.score, [o.outcome for o in result.outcomes]
"""

from __future__ import annotations

from .engine import evaluate
from .explain import explain
from .model import Ruleset
from .parser import DQDLSyntaxError, parse, parse_rule
from .recommend import recommend
from .result import QualityResult, RuleOutcome
from .sources import DataError

__all__ = [
    "DQDLSyntaxError",
    "DataError",
    "MetricHistory",
    "QualityResult",
    "RuleOutcome",
    "Ruleset",
    "evaluate",
    "explain",
    "parse",
    "parse_rule",
    "recommend",
]


def __getattr__(name: str):
    # MetricHistory pulls in SQLAlchemy; load it only when asked for.
    if name == "MetricHistory":
        from .history import MetricHistory

        return MetricHistory
    raise AttributeError(name)
