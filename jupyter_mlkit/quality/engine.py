"""Evaluate a DQDL ruleset on a dataset with DuckDB (or Spark), in as few scans as possible.

All dataset-level metrics of the primary table (counts, means, compliance ratios, ...) are
computed by ONE aggregate query; value frequencies (uniqueness, entropy, distinct counts) are
sub-queries of that same statement, one per column set. Row-level outcomes come from one
projection. Rules on reference datasets and CustomSql run as their own queries.
With ``engine="spark"`` the same SQL is transpiled to Spark SQL and run on a SparkSession
(see :mod:`.spark`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import duckdb

from . import rules_column, rules_cross, rules_values
from .anomaly import analyzer_rules, detect_anomalies
from .model import Rule, Ruleset
from .parser import parse
from .plan import FAILED, PASSED, Context, LeafPlan, RuleError, SQLError
from .plan import sql_error as _sql_error
from .result import QualityResult, RuleOutcome
from .rowlevel import RowJoins, _row_level, _row_preds, row_composite
from .sandbox import Sandbox
from .sources import DataError, Source, qident, qstr, register
from .spark_run import choose_session, isolate_spark
from .verdicts import analyzer_outcomes, combine, finish, rule_labels

if TYPE_CHECKING:
    from .history import MetricHistory

Progress = Callable[[float, str], None]
BUILDERS = {**rules_column.BUILDERS, **rules_values.BUILDERS, **rules_cross.BUILDERS}
DB_ERRORS = (duckdb.Error, SQLError)


def build(ctx: Context, rule: Rule) -> LeafPlan:
    """The plan of one leaf rule; a rule that cannot run gets ``error`` set."""
    try:
        if rule.rule_type == "DetectAnomalies":
            return detect_anomalies(ctx, rule, build)
        builder = BUILDERS.get(rule.rule_type)
        if builder is None:
            raise RuleError(f"{rule.rule_type} is not supported by this engine")
        return builder(ctx, rule)
    except RuleError as exc:
        return LeafPlan(rule, error=str(exc))


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc).replace(tzinfo=None)
    if now.tzinfo is not None:
        return now.astimezone(timezone.utc).replace(tzinfo=None)
    return now


def _history(history, now: datetime):
    if history is None:
        return None, None
    from .history import MetricHistory  # SQLAlchemy is only loaded when history is used

    store = MetricHistory(history) if isinstance(history, str) else history
    return store, (lambda key: lambda k: store.last(key, k, before=now))


class _Run:
    """One evaluation: a DuckDB connection (or a Spark look-alike) with the data registered."""

    def __init__(self, rs: Ruleset, data, references, now, history, row_filter, timeout_s,
                 spark=None):  # fmt: skip
        self.rs = rs
        self.spark = spark is not None
        if spark is not None:
            from .spark import SparkConnection, register_spark

            self.con = SparkConnection(spark)
            reg = register_spark
        else:
            self.con = duckdb.connect(":memory:")
            reg = register
        self.now = _now(now)
        self.store, hist = _history(history, self.now)
        try:
            base = reg(self.con, "__dq_input", data)
            primary = base
            if row_filter:
                primary = self._filtered(base, row_filter)
            refs: dict[str, Source] = {}
            for i, (alias, ref) in enumerate((references or {}).items()):
                if alias == "primary":
                    continue
                refs[alias] = reg(self.con, f"__dq_ref_{i}", ref)
        except BaseException:
            self.con.close()
            raise
        self._sandbox: Sandbox | None = None
        self._n_custom = 0  # row-form CustomSql results registered
        self.row_filter = row_filter
        self.timeout_s = timeout_s
        self.composite_mode = "column"
        self.ctx = Context(self.con, primary, refs, self.now, hist, self.sandbox, base.paths,
                           custom_rows=self.custom_rows)  # fmt: skip

    def _filtered(self, base: Source, row_filter: str) -> Source:
        select = f"SELECT * FROM {base.table} WHERE {row_filter}"
        if self.spark:
            name = self.con.view_name("primary_view")
            try:
                self.con.create_view(name, select)
            except SQLError as exc:
                raise ValueError(f"row_filter {row_filter!r} is not usable: {exc}") from None
            table = qident(name)
        else:
            self.con.execute(f"CREATE VIEW __dq_primary_view AS {select}")
            table = "__dq_primary_view"
        return Source(table, base.columns, base.paths, base.obj, base.file_format)

    def sandbox(self, sql: str, row_mode: bool):
        return self._box()(sql, row_mode)

    def custom_rows(self, sql: str) -> tuple[str, list[tuple[str, str]]]:
        """Run a row-form CustomSql in the sandbox and register its distinct rows here, for
        the row verdicts to match back: (table, [(select expression, primary column)])."""
        names, pcols, data = self._box().rows(sql)
        self._n_custom += 1
        if self.spark:
            name = self.con.view_name(f"csql_{self._n_custom}")
            self.con.register_frame(name, data)
            return qident(name), [(qident(n), c) for n, c in zip(names, pcols, strict=True)]
        name = f"__dq_csql_{self._n_custom}"
        self.con.register(name, data)
        got = {r[0]: r[1] for r in self.con.execute(f"DESCRIBE {name}").fetchall()}
        ptypes = self.ctx.primary.columns
        # File data reaches the sandbox through pyarrow, whose type inference may differ.
        return name, [
            (qident(n) if got.get(n) == ptypes[c] else f"CAST({qident(n)} AS {ptypes[c]})", c)
            for n, c in zip(names, pcols, strict=True)
        ]

    def _box(self):
        if self._sandbox is None:
            if self.spark:
                from .spark import SparkSandbox

                self._sandbox = SparkSandbox(self.con, self.ctx.primary, self.ctx.references,
                                             self.timeout_s)  # fmt: skip
            else:
                self._sandbox = Sandbox(self.con, self.ctx.primary, self.ctx.references,
                                        self.timeout_s, self.row_filter)  # fmt: skip
        return self._sandbox

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
        self.con.close()

    # ---- SQL ---------------------------------------------------------------------------------
    def aggregate_sql(self, plans: list[LeafPlan]) -> str | None:
        seen: dict[str, str] = {}  # identical aggregates are computed once
        self.agg_alias: dict[str, str] = {}
        aggs = []
        for p in plans:
            for alias, sql in p.aggs.items():
                if sql in seen:
                    self.agg_alias[alias] = seen[sql]
                else:
                    seen[sql] = alias
                    aggs.append(f"{sql} AS {alias}")
        freqs: dict[Any, str] = {}
        parts = []
        if aggs:
            parts.append(f"(SELECT {', '.join(aggs)} FROM {self.ctx.primary.table}) AS main")
        for p in plans:
            for prefix, spec in p.freqs.items():
                if spec not in freqs:
                    freqs[spec] = prefix
                    parts.append(f"({spec.sql(self.ctx.primary.table, prefix)}) AS {prefix}")
        if not parts:
            return None
        return "SELECT * FROM " + ", ".join(parts)

    def _fetch(self, sql: str) -> dict[str, Any]:
        cur = self.con.execute(sql)
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
        return dict(zip(names, rows[0], strict=False)) if rows else {}

    def compute(self, plans: list[LeafPlan], progress: Progress | None) -> dict[int, dict]:
        """Values for each plan (by index); failing plans get ``error`` set."""
        live = [p for p in plans if p.error is None]
        values: dict[str, Any] = {}
        sql = self.aggregate_sql(live)
        if sql:
            _report(progress, 0.2, "scanning the data (one aggregate query)")
            try:
                values = self._fetch(sql)
                values.update({a: values[b] for a, b in self.agg_alias.items()})
            except DB_ERRORS:
                # Some rule's SQL (a where clause, a cast) failed: isolate it, run the rest.
                values = isolate_spark(self, live) if self.spark else self._isolate(live)
        values.update(self._alias_freqs(live))
        out: dict[int, dict] = {}
        for i, p in enumerate(plans):
            if p.error is not None:
                continue
            v = dict(values)
            for name, fn in p.queries.items():
                try:
                    v[name] = fn()
                except RuleError as exc:
                    p.error = str(exc)
                except DB_ERRORS as exc:
                    p.error = _sql_error(p.rule, exc)
            out[i] = v
        return out

    def _isolate(self, live: list[LeafPlan], values: dict | None = None) -> dict[str, Any]:
        values = {} if values is None else values
        for p in live:
            one = self.aggregate_sql([p])
            if one is None:
                continue
            try:
                values.update(self._fetch(one))
            except DB_ERRORS as exc:
                p.error = _sql_error(p.rule, exc)
        return values

    def _fetch_all(self, plans: list[LeafPlan]) -> dict[str, Any]:
        sql = self.aggregate_sql(plans)
        if sql is None:
            return {}
        try:
            values = self._fetch(sql)
        except DB_ERRORS as exc:
            for p in plans:
                if p.aggs or p.freqs:
                    p.error = _sql_error(p.rule, exc)
            return {}
        values.update({a: values[b] for a, b in self.agg_alias.items()})
        return values

    def _alias_freqs(self, plans: list[LeafPlan]) -> dict[str, Any]:
        """Plans sharing a frequency spec read the first plan's columns under their prefix."""
        first: dict[Any, str] = {}
        alias: dict[str, str] = {}
        for p in plans:
            for prefix, spec in p.freqs.items():
                first.setdefault(spec, prefix)
                alias[prefix] = first[spec]
        return {"__freq_alias__": alias}


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(fraction, message)


def evaluate(
    ruleset: str | Ruleset,
    data: Any,
    *,
    references: dict[str, Any] | None = None,
    row_level: bool = False,
    history: str | MetricHistory | None = None,
    now: datetime | None = None,
    row_filter: str | None = None,
    custom_sql_timeout: float = 30.0,
    progress: Progress | None = None,
    dataset_name: str | None = None,
    ruleset_name: str | None = None,
    composite_mode: str = "column",
    memory_limit: str | None = None,
    engine: str | None = None,
    spark: Any = None,
) -> QualityResult:
    """Evaluate ``ruleset`` on ``data``. See the package docs for the arguments.

    ``history`` (a dataset name or a :class:`MetricHistory`) enables dynamic rules and
    DetectAnomalies and records this run's metrics. ``row_filter`` is a SQL predicate applied
    before evaluation (like Glue's push-down predicate). ``progress(fraction, message)`` is
    called as the run advances. ``composite_mode="row"`` applies and/or per row (Glue's
    ``compositeRuleEvaluation.method = ROW``). ``memory_limit`` (e.g. ``"1GB"``) caps DuckDB.
    ``engine="spark"`` (chosen by itself when ``data`` is a Spark DataFrame or ``spark`` is
    given) runs the same rules on ``spark``, a SparkSession (default: the data's session or the
    active one); ``data`` may then also be a Spark DataFrame or a catalog table name.
    """
    if composite_mode not in ("column", "row"):
        raise ValueError(f"composite_mode must be 'column' or 'row', not {composite_mode!r}")
    session = choose_session(engine, spark, data)
    rs = parse(ruleset) if isinstance(ruleset, str) else ruleset
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    _report(progress, 0.0, "reading the data")
    run = _Run(rs, data, references, now, history, row_filter, custom_sql_timeout, session)
    run.composite_mode = composite_mode
    if memory_limit and session is None:
        run.con.execute(f"SET memory_limit = {qstr(memory_limit)}")
    try:
        return _evaluate(run, rs, row_level, progress, started, dataset_name, ruleset_name,
                         history)  # fmt: skip
    finally:
        run.close()


def _evaluate(run, rs, row_level, progress, started, dataset_name, ruleset_name, history):
    ctx = run.ctx
    leaves = [leaf for node in rs.rules for leaf in node.leaves()]
    plans = [build(ctx, leaf) for leaf in leaves]
    analyzer_plans: list[tuple[int, LeafPlan]] = []
    for ai, a in enumerate(rs.analyzers):
        try:
            for r in analyzer_rules(ctx, a.rule_type, a.args):
                analyzer_plans.append((ai, build(ctx, r)))
        except RuleError as exc:
            analyzer_plans.append((ai, LeafPlan(a, error=str(exc))))  # type: ignore[arg-type]
    all_plans = plans + [p for _, p in analyzer_plans]
    values = run.compute(all_plans, progress)
    _report(progress, 0.7, "judging the rules")
    pairs = enumerate(zip(leaves, plans, strict=True))
    leaf_out = {id(leaf): finish(p, values, i) for i, (leaf, p) in pairs}
    outcomes, observations = [], []
    preds = _row_preds(leaves, plans) if run.composite_mode == "row" else {}
    joins = RowJoins(leaves, plans, preds)
    for n, node in enumerate(rs.rules, start=1):
        out = combine(node, leaf_out)
        if preds and not isinstance(node, Rule) and len(node.leaves()) > 1:
            out = row_composite(run.con, ctx.primary.table, node, preds, out, joins)
        observations.extend(out.observations)
        outcomes.append(
            RuleOutcome(
                rule=node.to_dqdl(),
                outcome=out.outcome,
                message=out.message,
                metrics=out.metrics,
                evaluated_rule=out.evaluated_rule if isinstance(node, Rule) else None,
                labels=rule_labels(rs, node),
                rule_type=node.rule_type if isinstance(node, Rule) else "Composite",
                name=f"Rule_{n}",
            )
        )
    analyzers, analyzer_metrics = analyzer_outcomes(rs, analyzer_plans, values, len(plans))
    score = sum(o.outcome == PASSED for o in outcomes) / len(outcomes) if outcomes else 1.0
    rows = None
    if row_level:
        _report(progress, 0.8, "computing row-level outcomes")
        rows = _row_level(run, rs, leaves, plans, leaf_out)
    result = QualityResult(
        score=score,
        outcomes=outcomes,
        analyzer_metrics=analyzer_metrics,
        analyzers=analyzers,
        observations=observations,
        rows=rows,
        started_on=started,
        completed_on=datetime.now(timezone.utc).replace(tzinfo=None),
        dataset=dataset_name or (history if isinstance(history, str) else None),
        ruleset_name=ruleset_name,
    )
    if run.store is not None:
        run.store.record(result.metrics(), at=run.now, run_id=result.result_id, score=score)
    _report(progress, 1.0, "done")
    return result


__all__ = ["evaluate", "build", "DataError", "FAILED"]
