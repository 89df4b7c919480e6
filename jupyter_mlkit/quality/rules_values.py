"""Builders for row-predicate rules: ColumnValues, ColumnLength, DataFreshness, ColumnDataType.

Each compiles to a per-row SQL predicate; the share of rows satisfying it is counted inside the
one aggregate query, and the same predicate gives the row-level verdicts.
"""

from __future__ import annotations

import re
from typing import Any

from .conditions import NoHistory, duration_hours, eval_number, to_datetime
from .errors import is_date_text
from .model import Keyword, Now, Rule, String, VarRef
from .plan import PASSED, Context, LeafPlan, Outcome, RuleError, filt
from .rules_column import _pred, _require, compliance_plan, num_pred
from .sources import is_numeric, is_string, is_temporal, qident, qstr


def b_column_length(ctx: Context, rule: Rule) -> LeafPlan:
    col = ctx.column(rule.args[0])
    _require(ctx, col, is_string, "string", rule)
    length = f"length(coalesce({qident(col)}, ''))"
    try:
        pred = num_pred(length, rule.condition, ctx, f"Column.{col}.MaximumLength")
    except NoHistory:
        pred = "true"
    extra = {
        ctx.alias("minlen"): (f"min({length}){filt(rule.where)}", f"Column.{col}.MinimumLength"),
        ctx.alias("maxlen"): (f"max({length}){filt(rule.where)}", f"Column.{col}.MaximumLength"),
        "example_expr": qident(col),
    }
    plan = compliance_plan(ctx, rule, pred, f"Column.{col}.LengthCompliance", extra)
    inner = plan.finish

    def finish(v):
        out = inner(v)
        out.metrics.pop(f"Column.{col}.LengthCompliance", None)
        return out

    plan.finish = finish
    return plan


def b_freshness(ctx: Context, rule: Rule) -> LeafPlan:
    col = ctx.column(rule.args[0])
    _require(ctx, col, lambda t: is_temporal(t) or is_string(t), "date or timestamp", rule)
    now = qstr(ctx.now.isoformat(sep=" "))
    age = f"((epoch(TIMESTAMP {now}) - epoch(TRY_CAST({qident(col)} AS TIMESTAMP))) / 3600.0)"
    items = [repr(duration_hours(o)) for o in rule.condition.items()]
    pred = f"coalesce({_pred(age, rule.condition.op, items)}, false)"
    key = f"Column.{col}.DataFreshness.Compliance"
    return compliance_plan(ctx, rule, pred, key, {"example_expr": qident(col)})


_INT_RANGES = {
    "Byte": "TINYINT",
    "Short": "SMALLINT",
    "Integer": "INTEGER",
    "Int": "INTEGER",
    "Long": "BIGINT",
    "BigInt": "BIGINT",
}
_CASTS = {
    "Double": "DOUBLE",
    "Float": "DOUBLE",
    "Decimal": "DOUBLE",
    "Boolean": "BOOLEAN",
    "Date": "DATE",
    "Timestamp": "TIMESTAMP",
}
_FAMILIES = {
    "String": is_string,
    "Boolean": lambda t: t.upper() == "BOOLEAN",
    "Date": lambda t: t.upper() == "DATE",
    "Timestamp": lambda t: t.upper().startswith("TIMESTAMP"),
    "Double": lambda t: t.upper() in ("DOUBLE", "FLOAT", "REAL"),
    "Float": lambda t: t.upper() in ("DOUBLE", "FLOAT", "REAL"),
    "Decimal": lambda t: t.upper().startswith("DECIMAL"),
}


def _type_check(col: str, ctype: str, type_name: str) -> str:
    """SQL: does this row's value fit ``type_name``? (NULL values fit every type.)"""
    c = qident(col)
    if type_name not in _INT_RANGES and type_name not in _CASTS and type_name != "String":
        known = ", ".join(["String", *_INT_RANGES, *_CASTS])
        raise RuleError(f"unknown data type {type_name!r}; known types: {known}")
    if not is_string(ctype):
        if type_name in _INT_RANGES:
            ok = ctype.upper().replace("U", "") in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT")
            if ok:
                return f"({c} IS NULL OR TRY_CAST({c} AS {_INT_RANGES[type_name]}) IS NOT NULL)"
            return f"({c} IS NULL)"
        return "true" if _FAMILIES[type_name](ctype) else f"({c} IS NULL)"
    if type_name == "String":
        return "true"
    if type_name in _INT_RANGES:
        target = _INT_RANGES[type_name]
        return (
            f"({c} IS NULL OR (regexp_full_match(trim({c}), '[+-]?[0-9]+') "
            f"AND TRY_CAST(trim({c}) AS {target}) IS NOT NULL))"
        )
    return f"({c} IS NULL OR TRY_CAST(trim({c}) AS {_CASTS[type_name]}) IS NOT NULL)"


def b_data_type(ctx: Context, rule: Rule) -> LeafPlan:
    col = ctx.column(rule.args[0])
    cond = rule.condition
    names = [o.value for o in cond.items() if isinstance(o, String)]
    checks = [_type_check(col, ctx.ctype(col), n) for n in names]
    member = " OR ".join(checks) if checks else "false"
    pred = f"coalesce({member}, false)"
    if cond.op in ("!=", "not in"):
        pred = f"NOT {pred}"
    key = f"Column.{col}.ColumnDataType.Compliance"
    return compliance_plan(ctx, rule, pred, key, {"example_expr": qident(col)})


def values_predicate(ctx: Context, rule: Rule, col: str) -> tuple[str, str]:
    """The per-row SQL predicate of a ColumnValues rule, and its kind (number/string/date)."""
    cond = rule.condition
    c = qident(col)
    ctype = ctx.ctype(col)
    items = cond.items()
    if cond.op in ("matches", "not matches"):
        pattern = items[0].value if isinstance(items[0], String) else str(items[0])
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RuleError(f"invalid regular expression {pattern!r}: {exc}") from None
        m = f"regexp_full_match(CAST({c} AS VARCHAR), {qstr(pattern)})"
        if cond.op == "not matches":
            m = f"NOT {m}"
        return f"coalesce({m}, false)", "string"
    has_null = any(isinstance(o, Keyword) and o.name == "NULL" for o in items)
    rest = [o for o in items if not (isinstance(o, Keyword) and o.name == "NULL")]
    kind = _values_kind(rest)
    members: list[str] = []
    lits: list[str] = []
    val = c
    if kind == "null":
        pass
    elif kind == "number":
        if not is_numeric(ctype):
            raise RuleError(
                f"type mismatch: ColumnValues compares {col!r} ({ctype}) with numbers; "
                "quote the values to compare as strings"
            )
        hist = ctx.history(f"Column.{col}.Maximum") if ctx.history else None
        lits = [repr(float(eval_number(o, hist))) for o in rest]
        val = c
    elif kind == "date":
        if not (is_temporal(ctype) or is_string(ctype)):
            raise RuleError(f"type mismatch: {col!r} ({ctype}) is not a date or timestamp")
        tz = rule.tag("timeZone")
        dates_only = all(isinstance(o, String) and is_date_text(o.value) for o in rest)
        if dates_only:
            val = f"TRY_CAST({c} AS DATE)"
            lits = [f"DATE {qstr(o.value)}" for o in rest]
        else:
            val = f"TRY_CAST({c} AS TIMESTAMP)"
            lits = [
                f"TIMESTAMP {qstr(to_datetime(o, ctx.now, tz).isoformat(sep=' '))}" for o in rest
            ]
    else:
        ignore_case = (rule.tag("ignoreCase") or "").lower() == "true"
        val = f"CAST({c} AS VARCHAR)"
        if ignore_case:
            val = f"lower({val})"
        lits = []
        for o in rest:
            if isinstance(o, Keyword) and o.name == "EMPTY":
                members.append(f"{val} = ''")
            elif isinstance(o, Keyword):
                members.append(f"regexp_full_match({val}, '\\s+')")
            else:
                text = o.value if isinstance(o, String) else str(o.to_dqdl())
                lits.append(qstr(text.lower() if ignore_case else text))
    op = cond.op
    if op in ("=", "!=", "in", "not in"):
        if lits:
            members.append(f"{val} IN ({', '.join(lits)})")
        member = f"coalesce({' OR '.join(members) or 'false'}, false)"
        if op in ("=", "in"):
            return (f"({c} IS NULL OR {member})" if has_null else member), kind
        if has_null:
            return f"({c} IS NOT NULL AND NOT {member})", kind
        return f"({c} IS NULL OR NOT {member})", kind
    if kind == "string":
        raise RuleError(f"strings cannot be compared with {op}")
    return f"coalesce({_pred(val, op, lits)}, false)", kind


def _values_kind(items) -> str:
    from .validate import _kind

    if not items:  # only NULL was listed
        return "null"
    kinds = {_kind(o) for o in items}
    kinds = {"number" if k == "int" else k for k in kinds}
    if any(isinstance(o, (Now,)) for o in items) or kinds == {"date"}:
        return "date"
    if "string" in kinds or "null" in kinds or any(isinstance(o, VarRef) for o in items):
        return "string"
    if "date" in kinds:
        return "string"
    return "number"


def b_column_values(ctx: Context, rule: Rule) -> LeafPlan:
    col = ctx.column(rule.args[0])
    try:
        pred, kind = values_predicate(ctx, rule, col)
    except NoHistory as exc:
        msg = f"{exc}: the dynamic rule passes until history exists"
        return LeafPlan(rule, finish=lambda v: Outcome(PASSED, msg))
    extra: dict[str, Any] = {"example_expr": qident(col)}
    if kind == "number":
        w = rule.where
        extra[ctx.alias("min")] = (f"min({qident(col)}){filt(w)}", f"Column.{col}.Minimum")
        extra[ctx.alias("max")] = (f"max({qident(col)}){filt(w)}", f"Column.{col}.Maximum")
    key = f"Column.{col}.ColumnValues.Compliance"
    return compliance_plan(ctx, rule, pred, key, extra)


BUILDERS = {
    "ColumnLength": b_column_length,
    "DataFreshness": b_freshness,
    "ColumnDataType": b_data_type,
    "ColumnValues": b_column_values,
}
