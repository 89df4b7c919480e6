"""The plan of one evaluation: what each rule needs computed, and how its verdict is reached.

Every leaf rule becomes a :class:`LeafPlan`: aggregate expressions for the one aggregate query over
the primary table, frequency groups (shared by Uniqueness, Entropy, ... on the same columns),
separate queries (joins with reference datasets, CustomSql), a per-row predicate for row-level
outcomes, and a ``finish`` function turning the computed values into an outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .model import Rule
from .sources import Source, qident

PASSED, FAILED, ERROR = "Passed", "Failed", "Error"


class RuleError(Exception):
    """A rule that cannot run on this data (missing column, type mismatch, bad SQL)."""


class SQLError(Exception):
    """A statement the Spark engine could not translate, refused, or Spark failed to run
    (the DuckDB engine raises ``duckdb.Error`` instead; the engine catches both)."""


@dataclass(frozen=True)
class FreqSpec:
    """Value frequencies of a column tuple: ``SELECT cols, count(*) n ... GROUP BY cols``."""

    columns: tuple[str, ...]
    where: str | None = None

    def sql(self, table: str, prefix: str) -> str:
        cols = ", ".join(qident(c) for c in self.columns)
        not_all_null = " OR ".join(f"{qident(c)} IS NOT NULL" for c in self.columns)
        cond = f"({not_all_null})" + (f" AND ({self.where})" if self.where else "")
        return (
            f"SELECT count(*) AS {prefix}_groups, "
            f"count(*) FILTER (WHERE n = 1) AS {prefix}_singles, "
            f"sum(n) AS {prefix}_total, sum(n * ln(n)) AS {prefix}_nlogn "
            f"FROM (SELECT {cols}, count(*) AS n FROM {table} WHERE {cond} GROUP BY ALL)"
        )


@dataclass
class Outcome:
    outcome: str
    message: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    evaluated_rule: str | None = None
    observations: list[dict] = field(default_factory=list)


@dataclass
class LeafPlan:
    rule: Rule
    aggs: dict[str, str] = field(default_factory=dict)  # alias -> aggregate SQL
    freqs: dict[str, FreqSpec] = field(default_factory=dict)  # prefix -> frequency spec
    queries: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)
    row_pred: str | None = None  # SQL boolean per row; NULL = no verdict (skip)
    window_pred: bool = False  # row_pred uses a window function
    # A LEFT JOIN (on the primary aliased ``base``) that row_pred reads; built on first use,
    # at most one match per primary row. Rules judged against other data need one.
    row_join: Callable[[], str] | None = None
    finish: Callable[[dict[str, Any]], Outcome] | None = None
    error: str | None = None
    dataset_level: bool = True


@dataclass
class Context:
    """Everything a rule builder needs."""

    con: Any  # DuckDB connection (or Spark look-alike) holding the primary and reference views
    primary: Source
    references: dict[str, Source]
    now: datetime
    history: Callable[[str], Callable[[int], list[float]]] | None  # metric key -> last(k)
    sandbox: Callable[[str], Any] | None = None  # runs CustomSql
    data_paths: list[str] = field(default_factory=list)
    counter: int = 0
    # Row-form CustomSql's returned rows in the engine: (table, [(select expr, primary col)]).
    custom_rows: Callable[[str], tuple[str, list[tuple[str, str]]]] | None = None

    def alias(self, name: str) -> str:
        self.counter += 1
        return f"a{self.counter}_{name}"

    def column(self, name: str) -> str:
        real = self.primary.column(name)
        if real is None:
            import difflib

            close = difflib.get_close_matches(name, list(self.primary.columns), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise RuleError(f"Column {name!r} does not exist in the dataset{hint}")
        return real

    def ctype(self, column: str) -> str:
        return self.primary.columns[column]

    def reference(self, alias: str) -> Source:
        src = self.references.get(alias)
        if src is None:
            given = ", ".join(sorted(self.references)) or "none"
            raise RuleError(
                f"Reference dataset {alias!r} was not given (references given: {given})"
            )
        return src


def sql_error(rule: Rule, exc: Exception) -> str:
    """A rule's Error message for SQL that failed (its where clause named)."""
    msg = str(exc).strip().splitlines()[0]
    where = f' (where "{rule.where}")' if rule.where else ""
    return f"the rule's SQL failed{where}: {msg}"


def filt(where: str | None) -> str:
    """An aggregate FILTER clause for a where predicate."""
    return f" FILTER (WHERE {where})" if where else ""


def and_where(pred: str, where: str | None) -> str:
    return f"({where}) AND ({pred})" if where else pred


def row_verdict(pred: str, where: str | None) -> str:
    """A per-row verdict: NULL (skip) for rows the where clause leaves out."""
    return f"CASE WHEN {where} THEN {pred} END" if where else pred
