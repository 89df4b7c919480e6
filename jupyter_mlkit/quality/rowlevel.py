"""Row-level outcomes: one projection adding Glue's four columns to the data."""

from __future__ import annotations

import duckdb

from . import rule_types as rt
from .model import Group, Rule, RuleExpr, Ruleset
from .plan import ERROR, FAILED, PASSED, LeafPlan, Outcome, RuleError, SQLError
from .sources import qident, qstr


def _verdict_sql(node: RuleExpr, preds: dict[int, str | None]) -> str | None:
    """Per-row verdict of a top-level rule; None when it has none (dataset-level)."""
    if isinstance(node, Rule):
        return preds.get(id(node))
    if isinstance(node, Group):
        return _verdict_sql(node.inner, preds)
    parts = [_verdict_sql(o, preds) for o in node.operands]
    if any(p is None for p in parts):
        return None
    nulls = " OR ".join(f"({p}) IS NULL" for p in parts)
    op = " AND " if node.op == "and" else " OR "
    return f"CASE WHEN {nulls} THEN NULL ELSE ({op.join(f'({p})' for p in parts)}) END"


def _row_preds(
    leaves: list[Rule], plans: list[LeafPlan], leaf_out: dict[int, Outcome] | None = None
) -> dict[int, str | None]:
    """Each leaf's per-row predicate; None (skip) for a rule that errored."""
    errored = {k for k, o in (leaf_out or {}).items() if o.outcome == ERROR}
    return {
        id(leaf): None if p.error is not None or id(leaf) in errored else p.row_pred
        for leaf, p in zip(leaves, plans, strict=True)
    }


class RowJoins:
    """The LEFT JOINs that some row predicates read (reference datasets, CustomSql's rows),
    built on first use; a join that cannot be built drops its rule's predicate (skip)."""

    def __init__(self, leaves: list[Rule], plans: list[LeafPlan], preds: dict[int, str | None]):
        self.preds = preds
        self._plans = {id(leaf): p for leaf, p in zip(leaves, plans, strict=True)}
        self._built: dict[int, str] = {}

    def sql(self, node: RuleExpr) -> str:
        """The joins ``node``'s verdict needs (call before :func:`_verdict_sql`)."""
        out = []
        for leaf in node.leaves():
            key, plan = id(leaf), self._plans.get(id(leaf))
            if plan is None or plan.row_join is None or self.preds.get(key) is None:
                continue
            if key not in self._built:
                try:
                    self._built[key] = plan.row_join()
                except (RuleError, SQLError, duckdb.Error):
                    self.preds[key] = None
                    continue
            if self._built[key] not in out:
                out.append(self._built[key])
        return " ".join(out)


def _row_level(run, rs: Ruleset, leaves: list[Rule], plans: list[LeafPlan], leaf_out=None):
    preds = _row_preds(leaves, plans, leaf_out)
    joins = RowJoins(leaves, plans, preds)
    join_sql = " ".join(j for j in (joins.sql(node) for node in rs.rules) if j)
    cols = [f"{_verdict_sql(node, preds) or 'CAST(NULL AS BOOLEAN)'} AS __dq_v{i}" for i, node in
            enumerate(rs.rules)]  # fmt: skip
    texts = [qstr(node.to_dqdl()) for node in rs.rules]
    p_list = ", ".join(f"CASE WHEN __dq_v{i} THEN {t} END" for i, t in enumerate(texts))
    f_list = ", ".join(f"CASE WHEN NOT __dq_v{i} THEN {t} END" for i, t in enumerate(texts))
    s_list = ", ".join(f"CASE WHEN __dq_v{i} IS NULL THEN {t} END" for i, t in enumerate(texts))
    keep = ", ".join(qident(c) for c in run.ctx.primary.columns)
    # sqlglot reads DuckDB's older arrow lambdas only; DuckDB 2 accepts only the new syntax.
    no_null = "x -> x IS NOT NULL" if getattr(run, "spark", False) else "lambda x: x IS NOT NULL"
    sql = (
        f"WITH base AS (SELECT *, row_number() OVER () AS __dq_rid FROM {run.ctx.primary.table}),"
        f" judged AS (SELECT *, {', '.join(cols) or 'NULL AS __dq_none'} FROM base"
        f"{' ' + join_sql if join_sql else ''}),"
        f" lists AS (SELECT {keep}, __dq_rid,"
        f" list_filter(list_value({p_list or 'NULL'}), {no_null}) AS DataQualityRulesPass,"
        f" list_filter(list_value({f_list or 'NULL'}), {no_null}) AS DataQualityRulesFail,"
        f" list_filter(list_value({s_list or 'NULL'}), {no_null}) AS DataQualityRulesSkip"
        f" FROM judged)"
        f" SELECT {keep}{', ' if keep else ''}DataQualityRulesPass, DataQualityRulesFail,"
        f" DataQualityRulesSkip, CASE WHEN array_length(DataQualityRulesFail) = 0"
        f" THEN 'Passed' ELSE 'Failed' END AS DataQualityEvaluationResult"
        f" FROM lists ORDER BY __dq_rid"
    )
    run._row_sql = sql
    return run.con.execute(sql).df()


def row_composite(con, table: str, node: RuleExpr, preds: dict, column_out: Outcome,
                  joins: RowJoins | None = None) -> Outcome:  # fmt: skip
    """A composite judged row by row: it passes when no row fails the combined predicate.

    Falls back to the column-wise outcome when a nested rule has no per-row verdict (dataset
    rules, and the ratio rules Glue excludes from ROW composites)."""
    excluded = {t.name for t in rt.RULE_TYPES if t.excluded_in_row_composites}
    leaves = node.leaves()
    if any(leaf.rule_type in excluded for leaf in leaves):
        verdict, join_sql = None, ""
    else:
        join_sql = joins.sql(node) if joins is not None else ""
        verdict = _verdict_sql(node, preds)
    if verdict is None:
        note = "evaluated column-wise: a nested rule has no per-row verdict"
        msg = f"{column_out.message}\n{note}" if column_out.message else note
        return Outcome(column_out.outcome, msg, column_out.metrics,
                       observations=column_out.observations)  # fmt: skip
    if column_out.outcome == ERROR:
        return column_out
    bad, n = con.execute(
        f"SELECT count(*) FILTER (WHERE NOT v), count(*) FROM (SELECT {verdict} AS v FROM {table}"
        f" AS base{' ' + join_sql if join_sql else ''})"
    ).fetchall()[0]
    metrics = dict(column_out.metrics)
    metrics["Dataset.*.CompositeRowCompliance"] = (n - bad) / n if n else 1.0
    if bad:
        return Outcome(FAILED, f"{bad} of {n} rows fail the composite rule", metrics)
    return Outcome(PASSED, None, metrics)
