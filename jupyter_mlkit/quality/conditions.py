"""Evaluating conditions: numbers (with dynamic history functions), dates and durations.

Dynamic expressions (``avg(last(10)) * 0.8``) are computed here against a rule's metric history.
``last(k)`` is the list of the k most recent previous values, newest first; ``index(list, i)`` is
0-based from the newest. Arithmetic uses the usual precedence (* and / before + and -); the
reference parser has a single precedence level, so parenthesise when it matters.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from .model import (
    BinOp,
    Condition,
    Duration,
    Func,
    Keyword,
    Neg,
    Now,
    Number,
    Operand,
    Paren,
    Size,
    String,
    VarRef,
)
from .parser import TIME_RE, is_date_text


class ConditionError(ValueError):
    """A condition that cannot be evaluated (e.g. a list where a number is needed)."""


class NoHistory(ConditionError):
    """A dynamic expression needs previous runs and there are none."""


History = Callable[[int], list[float]]  # k -> the k most recent values, newest first


def _as_list(v) -> list[float]:
    return list(v) if isinstance(v, list) else [v]


def _std(values: list[float]) -> float:
    return statistics.pstdev(values) if len(values) > 1 else 0.0


_AGGREGATES: dict[str, Callable[[list[float]], float]] = {
    "avg": statistics.fmean,
    "average": statistics.fmean,
    "mean": statistics.fmean,
    "min": min,
    "max": max,
    "sum": math.fsum,
    "std": _std,
    "stddev": _std,
    "median": statistics.median,
}


def eval_number(expr: Operand, history: History | None = None):
    """The value of a numeric expression: a float, or a list for ``last(k)``."""
    if isinstance(expr, Number):
        return expr.value
    if isinstance(expr, Neg):
        return -_scalar(eval_number(expr.operand, history), "-")
    if isinstance(expr, Paren):
        return eval_number(expr.inner, history)
    if isinstance(expr, BinOp):
        a = _scalar(eval_number(expr.left, history), expr.op)
        b = _scalar(eval_number(expr.right, history), expr.op)
        if expr.op == "+":
            return a + b
        if expr.op == "-":
            return a - b
        if expr.op == "*":
            return a * b
        if b == 0:
            raise ConditionError("division by zero in the rule's expression")
        return a / b
    if isinstance(expr, Func):
        return _call(expr, history)
    if isinstance(expr, Size):
        return float(expr.bytes)
    if isinstance(expr, Duration):
        return expr.hours
    raise ConditionError(f"{expr.to_dqdl()} is not a number")


def _scalar(v, where: str) -> float:
    if isinstance(v, list):
        raise ConditionError(
            f"Rule threshold results in list near '{where}'; use an aggregation such as avg()"
        )
    return v


def _call(f: Func, history: History | None):
    name = f.name
    args = [eval_number(a, history) for a in f.args]
    if name == "last":
        if len(args) != 1 or isinstance(args[0], list) or args[0] < 1:
            raise ConditionError("last(k) takes one positive whole number")
        if history is None:
            raise NoHistory("this rule uses last(k) but no metric history was given")
        values = history(int(args[0]))
        if not values:
            raise NoHistory("no previous runs are recorded for this rule's metric yet")
        return values
    if name == "index":
        if len(args) != 2 or not isinstance(args[0], list):
            raise ConditionError("index(list, i) takes a list (such as last(5)) and a position")
        values, i = args[0], int(_scalar(args[1], "index"))
        if not 0 <= i < len(values):
            raise ConditionError(f"index {i} is outside the {len(values)} values available")
        return values[i]
    if name == "abs":
        return abs(_scalar(args[0], "abs")) if len(args) == 1 else _bad(name)
    agg = _AGGREGATES.get(name)
    if agg is None:
        raise ConditionError(
            f"unknown function {name}(); available: last, index, abs, {', '.join(_AGGREGATES)}"
        )
    values = [x for a in args for x in _as_list(a)]
    if not values:
        raise ConditionError(f"{name}() needs at least one value")
    return float(agg(values))


def _bad(name: str):
    raise ConditionError(f"{name}() takes one argument")


def uses_history(cond: Condition | None) -> bool:
    if cond is None:
        return False

    def walk(e) -> bool:
        if isinstance(e, Func):
            return e.name == "last" or any(walk(a) for a in e.args)
        if isinstance(e, (Neg,)):
            return walk(e.operand)
        if isinstance(e, Paren):
            return walk(e.inner)
        if isinstance(e, BinOp):
            return walk(e.left) or walk(e.right)
        return False

    return any(walk(o) for o in cond.operands)


def check_number(cond: Condition, value: float, history: History | None = None) -> bool:
    """Whether ``value`` satisfies a numeric condition (``between`` is exclusive)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    items = [o for o in cond.items() if not isinstance(o, Keyword)]
    nums = [_scalar(eval_number(o, history), cond.op) for o in items]
    op = cond.op
    if op == "between":
        return nums[0] < value < nums[1]
    if op == "not between":
        return value <= nums[0] or value >= nums[1]
    if op == "in":
        return value in nums
    if op == "not in":
        return value not in nums
    return compare(op, value, nums[0])


def compare(op: str, a, b) -> bool:
    return {
        "=": lambda: a == b,
        "!=": lambda: a != b,
        ">": lambda: a > b,
        ">=": lambda: a >= b,
        "<": lambda: a < b,
        "<=": lambda: a <= b,
    }[op]()


def resolved_text(cond: Condition, history: History | None = None) -> str:
    """The condition with dynamic expressions replaced by their values (Glue's EvaluatedRule)."""

    def fmt(o: Operand) -> str:
        if isinstance(o, (Func, BinOp, Paren)):
            try:
                v = eval_number(o, history)
                return repr(float(v)) if not isinstance(v, list) else o.to_dqdl()
            except ConditionError:
                return o.to_dqdl()
        return o.to_dqdl()

    ops = cond.operands
    if cond.op in ("between", "not between"):
        return f"{cond.op} {fmt(ops[0])} and {fmt(ops[1])}"
    if cond.op in ("in", "not in") and not cond.list_from_var:
        return f"{cond.op} [{','.join(fmt(o) for o in ops)}]"
    return f"{cond.op} {fmt(ops[0])}"


# ---- dates -------------------------------------------------------------------------------------


def to_datetime(o: Operand, now: datetime, tz_name: str | None = None) -> datetime:
    """A date operand as a naive UTC datetime."""
    if isinstance(o, Now):
        if o.op is None:
            return now
        delta = timedelta(**{o.unit: o.amount})
        return now + delta if o.op == "+" else now - delta
    if isinstance(o, String):
        text = o.value
        if is_date_text(text):
            return datetime.strptime(text, "%Y-%m-%d")
        m = TIME_RE.match(text)
        if m:
            hour, minute, ampm = int(m.group(1)), int(m.group(2)), m.group(3)
            if ampm:
                hour = hour % 12 + (12 if ampm == "PM" else 0)
            tz = timezone.utc
            if tz_name:
                from zoneinfo import ZoneInfo

                tz = ZoneInfo(tz_name)
            local_now = now.replace(tzinfo=timezone.utc).astimezone(tz)
            local = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
            return local.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(o, VarRef) and isinstance(o.value, str):
        return to_datetime(String(o.value), now, tz_name)
    raise ConditionError(f"{o.to_dqdl()} is not a date")


def duration_hours(o: Operand) -> float:
    if isinstance(o, Duration):
        return o.hours
    raise ConditionError(f"{o.to_dqdl()} is not a duration")


def check_values(cond: Condition, value, convert: Callable[[Operand], object]) -> bool:
    """A condition on a single non-numeric value (dates, sizes) after ``convert``."""
    items = [convert(o) for o in cond.items()]
    op = cond.op
    if op == "between":
        return items[0] < value < items[1]
    if op == "not between":
        return value <= items[0] or value >= items[1]
    if op == "in":
        return value in items
    if op == "not in":
        return value not in items
    return compare(op, value, items[0])


def numeric_items(cond: Condition) -> Sequence[Operand]:
    return [o for o in cond.items() if not isinstance(o, Keyword)]
