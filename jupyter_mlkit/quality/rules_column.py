"""Builders for the rules computed on the primary table's columns (one aggregate scan)."""

from __future__ import annotations

import math
import re
from typing import Any

from .conditions import (
    ConditionError,
    NoHistory,
    check_number,
    eval_number,
    numeric_items,
    resolved_text,
)
from .model import Condition, Rule
from .plan import (
    ERROR,
    FAILED,
    PASSED,
    Context,
    FreqSpec,
    LeafPlan,
    Outcome,
    RuleError,
    and_where,
    filt,
    row_verdict,
)
from .sources import is_numeric, qident


def fmt(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return f"{v:.1f}"
    return str(v)


def _f(v) -> float | None:
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v


def judge(ctx: Context, rule: Rule, key: str, value, metrics: dict[str, float]) -> Outcome:
    """Outcome of a rule whose condition applies to one number."""
    hist = ctx.history(key) if ctx.history else None
    value = _f(value)
    cond = rule.condition
    evaluated = None
    try:
        if value is None:
            return Outcome(FAILED, "the metric could not be computed (no rows or no values)",
                           metrics)  # fmt: skip
        ok = check_number(cond, value, hist)
        evaluated = rule.to_dqdl().replace(cond.to_dqdl(), resolved_text(cond, hist), 1)
    except NoHistory as exc:
        return Outcome(PASSED, f"{exc}: the dynamic rule passes until history exists", metrics)
    except ConditionError as exc:
        return Outcome(ERROR, str(exc), metrics)
    msg = None if ok else f"Value: {fmt(value)} does not meet the constraint requirement!"
    return Outcome(PASSED if ok else FAILED, msg, metrics, evaluated)


def num_pred(expr: str, cond: Condition, ctx: Context, key: str) -> str:
    """SQL for a numeric condition applied to a per-row expression."""
    hist = ctx.history(key) if ctx.history else None
    vals = [float(eval_number(o, hist)) for o in numeric_items(cond)]
    return _pred(expr, cond.op, [repr(v) for v in vals])


def _pred(expr: str, op: str, lits: list[str]) -> str:
    if op == "between":
        return f"({expr} > {lits[0]} AND {expr} < {lits[1]})"
    if op == "not between":
        return f"({expr} <= {lits[0]} OR {expr} >= {lits[1]})"
    if op == "in":
        return f"({expr} IN ({', '.join(lits)}))"
    if op == "not in":
        return f"({expr} NOT IN ({', '.join(lits)}))"
    return f"({expr} {op} {lits[0]})"


def _require(ctx: Context, col: str, check, what: str, rule: Rule) -> None:
    t = ctx.ctype(col)
    if not check(t):
        raise RuleError(f"{rule.rule_type} needs a {what} column; {col!r} is {t}")


# ---- ratio rules over row predicates ----------------------------------------------------------


def compliance_plan(ctx: Context, rule: Rule, pred: str, key: str, extra=None) -> LeafPlan:
    """A rule passing when every (or a threshold share of) evaluated row satisfies ``pred``.

    ``extra`` maps aliases to (aggregate SQL, metric key) computed alongside; its optional
    ``example_expr`` is the value shown for a failing row (fetched only when the rule fails).
    """
    w = rule.where
    a_ok, a_n = ctx.alias("ok"), ctx.alias("n")
    more = dict(extra or {})
    col_expr = more.pop("example_expr", None)
    aggs = {a_ok: f"count(*){filt(and_where(pred, w))}", a_n: f"count(*){filt(w)}"}
    aggs.update({alias: sql for alias, (sql, _k) in more.items()})

    def finish(v: dict[str, Any]) -> Outcome:
        ok, n = int(v[a_ok] or 0), int(v[a_n] or 0)
        metrics = {k: _f(v[alias]) for alias, (_s, k) in more.items() if v[alias] is not None}
        if n == 0:
            msg = "No rows matched the filter" if w else "the dataset has no rows to check"
            return Outcome(PASSED if w else FAILED, msg, _clean(metrics))
        ratio = ok / n
        metrics[key] = ratio
        thr = rule.threshold
        if thr is not None:
            passed = check_number(thr, ratio)
            msg = (
                None
                if passed
                else (
                    f"Value: {fmt(ratio)} does not meet the threshold requirement "
                    f"({100 * ratio:.2f} % of rows passed the threshold)"
                )
            )
            return Outcome(PASSED if passed else FAILED, msg, _clean(metrics))
        if ok == n:
            return Outcome(PASSED, None, _clean(metrics))
        shown = _example(ctx, col_expr, pred, w) if col_expr else "?"
        msg = (
            f"Value: {shown} does not meet the constraint requirement! "
            f"{n - ok} of {n} rows failed ({100 * ratio:.2f} % of rows passed)"
        )
        return Outcome(FAILED, msg, _clean(metrics))

    return LeafPlan(rule, aggs=aggs, row_pred=row_verdict(pred, w), finish=finish,
                    dataset_level=False)  # fmt: skip


def _example(ctx: Context, col_expr: str, pred: str, where: str | None) -> str:
    """One failing value, for the message (a LIMIT 1 query that stops at the first hit)."""
    sql = (
        f"SELECT CAST({col_expr} AS VARCHAR) FROM {ctx.primary.table} "
        f"WHERE {and_where(f'NOT ({pred})', where)} LIMIT 1"
    )
    try:
        rows = ctx.con.execute(sql).fetchall()
    except Exception:  # the message is a courtesy; never fail the rule over it
        return "?"
    if not rows or rows[0][0] is None:
        return "NULL"
    return repr(rows[0][0]) if rows[0][0].strip() != rows[0][0] or not rows[0][0] else rows[0][0]


def _clean(metrics: dict) -> dict[str, float]:
    return {k: v for k, v in metrics.items() if v is not None}


# ---- builders ----------------------------------------------------------------------------------


def b_row_count(ctx: Context, rule: Rule) -> LeafPlan:
    a = ctx.alias("rows")
    key = "Dataset.*.RowCount"
    return LeafPlan(
        rule,
        aggs={a: f"count(*){filt(rule.where)}"},
        finish=lambda v: judge(ctx, rule, key, v[a], {key: float(v[a])}),
    )


def b_column_count(ctx: Context, rule: Rule) -> LeafPlan:
    key = "Dataset.*.ColumnCount"
    n = float(len(ctx.primary.columns))
    return LeafPlan(rule, finish=lambda v: judge(ctx, rule, key, n, {key: n}))


def b_column_exists(ctx: Context, rule: Rule) -> LeafPlan:
    name = rule.args[0]
    ok = ctx.primary.column(name) is not None
    msg = None if ok else f"Column {name!r} does not exist"
    return LeafPlan(rule, finish=lambda v: Outcome(PASSED if ok else FAILED, msg))


def b_names_match(ctx: Context, rule: Rule) -> LeafPlan:
    try:
        pattern = re.compile(rule.args[0])
    except re.error as exc:
        raise RuleError(f"invalid regular expression {rule.args[0]!r}: {exc}") from None
    cols = list(ctx.primary.columns)
    bad = [c for c in cols if not pattern.fullmatch(c)]
    ratio = (len(cols) - len(bad)) / len(cols) if cols else 1.0
    key = "Dataset.*.ColumnNamesPatternMatchRatio"
    msg = f"Columns not matching the pattern: {', '.join(bad)}" if bad else None
    return LeafPlan(rule, finish=lambda v: Outcome(FAILED if bad else PASSED, msg, {key: ratio}))


def b_completeness(ctx: Context, rule: Rule) -> LeafPlan:
    col = ctx.column(rule.args[0])
    key = f"Column.{col}.Completeness"
    if rule.rule_type == "IsComplete":
        pred = f"{qident(col)} IS NOT NULL"
        return compliance_plan(ctx, rule, pred, key, {"example_expr": qident(col)})
    a_nn, a_n = ctx.alias("nn"), ctx.alias("n")

    def finish(v):
        n = int(v[a_n] or 0)
        if n == 0:
            msg = "No rows matched the filter" if rule.where else "the dataset has no rows"
            return Outcome(PASSED if rule.where else FAILED, msg)
        ratio = v[a_nn] / n
        return judge(ctx, rule, key, ratio, {key: ratio})

    aggs = {a_nn: f"count({qident(col)}){filt(rule.where)}", a_n: f"count(*){filt(rule.where)}"}
    pred = row_verdict(f"{qident(col)} IS NOT NULL", rule.where)
    return LeafPlan(rule, aggs=aggs, finish=finish, row_pred=pred, dataset_level=False)


_STAT_SQL = {
    "Mean": "avg",
    "Sum": "sum",
    "StandardDeviation": "stddev_pop",
    "Variance": "var_pop",
}


def b_stat(ctx: Context, rule: Rule) -> LeafPlan:
    col = ctx.column(rule.args[0])
    _require(ctx, col, is_numeric, "numeric", rule)
    a = ctx.alias("stat")
    key = f"Column.{col}.{rule.rule_type}"
    sql = f"{_STAT_SQL[rule.rule_type]}({qident(col)}){filt(rule.where)}"

    def finish(v):
        value = _f(v[a])
        if value is None:
            return Outcome(FAILED, f"{rule.rule_type} of {col!r} is undefined: no non-null values")
        return judge(ctx, rule, key, value, {key: value})

    return LeafPlan(rule, aggs={a: sql}, finish=finish)


def b_correlation(ctx: Context, rule: Rule) -> LeafPlan:
    c1, c2 = ctx.column(rule.args[0]), ctx.column(rule.args[1])
    for c in (c1, c2):
        _require(ctx, c, is_numeric, "numeric", rule)
    a = ctx.alias("corr")
    key = f"Multicolumn.{c1},{c2}.ColumnCorrelation"

    def finish(v):
        value = _f(v[a])
        if value is None:
            return Outcome(FAILED, "correlation is undefined (constant column or too few rows)")
        return judge(ctx, rule, key, value, {key: value})

    sql = f"corr({qident(c1)}, {qident(c2)}){filt(rule.where)}"
    return LeafPlan(rule, aggs={a: sql}, finish=finish)


def _unique_pred(cols: list[str], where: str | None, all_rows: bool = False) -> str:
    part = ", ".join(qident(c) for c in cols)
    window = f"count(*){filt(where)} OVER (PARTITION BY {part})"
    if all_rows:
        return f"({window} = 1)"
    any_nn = " OR ".join(f"{qident(c)} IS NOT NULL" for c in cols)
    return f"CASE WHEN {any_nn} THEN {window} = 1 END"


def _multi_key(cols: list[str], name: str) -> str:
    return f"Column.{cols[0]}.{name}" if len(cols) == 1 else f"Multicolumn.{','.join(cols)}.{name}"


def b_frequency(ctx: Context, rule: Rule) -> LeafPlan:
    """Uniqueness, IsUnique, IsPrimaryKey, Entropy, DistinctValuesCount, UniqueValueRatio."""
    cols = [ctx.column(a) for a in rule.args]
    spec = FreqSpec(tuple(cols), rule.where)
    p = ctx.alias("f")
    t = rule.rule_type
    plan = LeafPlan(rule, freqs={p: spec})
    if t in ("Uniqueness", "IsUnique", "IsPrimaryKey"):
        plan.dataset_level = False
        plan.window_pred = True
        pred = _unique_pred(cols, rule.where, all_rows=t == "IsPrimaryKey")
        if t == "IsPrimaryKey":
            nn = " AND ".join(f"{qident(c)} IS NOT NULL" for c in cols)
            pred = f"({nn} AND {pred})"
        plan.row_pred = row_verdict(pred, rule.where)
    ukey = _multi_key(cols, "Uniqueness")
    comp = {c: ctx.alias("nn") for c in cols}
    n_alias = ctx.alias("n")
    if t == "IsPrimaryKey":
        plan.aggs = {a: f"count({qident(c)}){filt(rule.where)}" for c, a in comp.items()}
        plan.aggs[n_alias] = f"count(*){filt(rule.where)}"

    def finish(v):
        groups, singles = int(v[f"{p}_groups"] or 0), int(v[f"{p}_singles"] or 0)
        total, nlogn = int(v[f"{p}_total"] or 0), float(v[f"{p}_nlogn"] or 0.0)
        if t == "DistinctValuesCount":
            key = f"Column.{cols[0]}.DistinctValuesCount"
            return judge(ctx, rule, key, float(groups), {key: float(groups)})
        if total == 0 and t != "IsPrimaryKey":
            msg = "No rows matched the filter" if rule.where else "no non-null values to check"
            return Outcome(PASSED if rule.where else FAILED, msg)
        if t == "Entropy":
            key = f"Column.{cols[0]}.Entropy"
            value = math.log(total) - nlogn / total
            return judge(ctx, rule, key, value, {key: value})
        if t == "UniqueValueRatio":
            key = f"Column.{cols[0]}.UniqueValueRatio"
            value = singles / groups
            return judge(ctx, rule, key, value, {key: value})
        uniq = singles / total if total else 0.0
        metrics = {ukey: uniq}
        if t == "Uniqueness":
            return judge(ctx, rule, ukey, uniq, metrics)
        if t == "IsUnique":
            ok = singles == total
            msg = None if ok else f"Value: {fmt(uniq)} does not meet the constraint requirement!"
            return Outcome(PASSED if ok else FAILED, msg, metrics)
        n = int(v[n_alias] or 0)
        problems = []
        for c, a in comp.items():
            ratio = (v[a] / n) if n else 1.0
            metrics[f"Column.{c}.Completeness"] = ratio
            if ratio < 1.0:
                problems.append(f"{c!r} has NULL values (completeness {ratio:.4f})")
        if singles != total:
            problems.append(f"values are not unique (uniqueness {uniq:.4f})")
        return Outcome(FAILED if problems else PASSED, "; ".join(problems) or None, metrics)

    plan.finish = finish
    return plan


BUILDERS = {
    "RowCount": b_row_count,
    "ColumnCount": b_column_count,
    "ColumnExists": b_column_exists,
    "ColumnNamesMatchPattern": b_names_match,
    "Completeness": b_completeness,
    "IsComplete": b_completeness,
    "Mean": b_stat,
    "Sum": b_stat,
    "StandardDeviation": b_stat,
    "Variance": b_stat,
    "ColumnCorrelation": b_correlation,
    "Uniqueness": b_frequency,
    "IsUnique": b_frequency,
    "IsPrimaryKey": b_frequency,
    "Entropy": b_frequency,
    "DistinctValuesCount": b_frequency,
    "UniqueValueRatio": b_frequency,
}
