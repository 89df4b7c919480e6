"""``explain``: the SQL a ruleset compiles to, and DuckDB's plan of the scan."""

from __future__ import annotations

from typing import Any

from .anomaly import analyzer_rules
from .engine import _Run, build
from .model import Ruleset
from .parser import parse
from .plan import RuleError
from .rowlevel import _row_preds, _verdict_sql


def explain(
    ruleset: str | Ruleset,
    data: Any,
    *,
    references: dict[str, Any] | None = None,
    row_level: bool = False,
) -> str:
    """The SQL the engine will run for ``ruleset`` on ``data``, with DuckDB's plan of the scan."""
    rs = parse(ruleset) if isinstance(ruleset, str) else ruleset
    run = _Run(rs, data, references, None, None, None, 30.0)
    try:
        leaves = [leaf for node in rs.rules for leaf in node.leaves()]
        plans = [build(run.ctx, leaf) for leaf in leaves]
        for a in rs.analyzers:
            try:
                plans += [build(run.ctx, r) for r in analyzer_rules(run.ctx, a.rule_type, a.args)]
            except RuleError:
                pass
        sql = run.aggregate_sql([p for p in plans if p.error is None])
        lines = ["-- one aggregate query over the primary dataset:", (sql or "(none)") + ";"]
        if sql:
            rows = run.con.execute("EXPLAIN " + sql).fetchall()
            lines += ["", "-- DuckDB plan:", *(r[1] for r in rows)]
        separate = [p.rule.to_dqdl() for p in plans if p.queries and p.error is None]
        if separate:
            lines += ["", "-- separate queries (references, CustomSql):"]
            lines += [f"--   {t}" for t in separate]
        errors = [f"--   {p.rule.to_dqdl()}: {p.error}" for p in plans if p.error]
        if errors:
            lines += ["", "-- rules that will be reported as Error:", *errors]
        if row_level:
            _row_level_sql_only(run, rs, leaves, plans, lines)
        return "\n".join(lines)
    finally:
        run.close()


def _row_level_sql_only(run, rs, leaves, plans, lines) -> None:
    preds = _row_preds(leaves, plans)
    lines += ["", "-- row-level verdicts (one projection):"]
    for node in rs.rules:
        lines.append(f"--   {node.to_dqdl()}: {_verdict_sql(node, preds) or 'dataset-level'}")
    joined = [(leaf, p) for leaf, p in zip(leaves, plans, strict=True)
              if p.row_join is not None and preds.get(id(leaf)) is not None]  # fmt: skip
    if joined:
        lines += ["", "-- joined into that projection:"]
    for leaf, p in joined:
        # CustomSql's join reads the query's rows, which exist only once the query has run.
        what = ("the rows its query returns, matched on every returned column"
                if leaf.rule_type == "CustomSql" else p.row_join())  # fmt: skip
        lines.append(f"--   {leaf.to_dqdl()}: {what}")
