"""Which conditions fit which rule types, and the messages for unknown rule types."""

from __future__ import annotations

import difflib

from . import rule_types as rt
from .errors import is_date_text, is_time_text
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
)


def check_condition(err, tree, cond: Condition, returns: str, name: str) -> None:
    """Raise via ``err(tree, message)`` when ``cond`` does not fit a rule returning ``returns``."""
    if returns == "boolean":
        raise err(
            tree,
            f"Unexpected condition for rule type {name} with boolean return type: "
            f"remove '{cond.to_dqdl()}'",
        )
    items = cond.items()
    kinds = {_kind(o) for o in items}
    if cond.op in ("matches", "not matches"):
        if returns not in ("values",):
            raise err(tree, f"{name} does not take 'matches'")
        return
    allowed = {
        "number": {"number"},
        "number|boolean": {"number"},
        "string": {"string", "null"},
        "duration": {"duration"},
        "size": {"size", "int"},
        "date": {"date"},
    }.get(returns)
    if returns == "values":
        kinds.discard("null")
        kinds = {"number" if k == "int" else k for k in kinds}
        if "string" in kinds and "date" in kinds:
            kinds.discard("date")  # a date string in a string set
        if len(kinds) > 1:
            raise err(tree, f"a {name} condition cannot mix {' and '.join(sorted(kinds))} values")
        kind = next(iter(kinds), "string")
        if kind not in ("number", "string", "date"):
            raise err(tree, f"{name} takes numbers, strings or dates, not a {kind}")
        if kind == "string" and cond.op not in ("=", "!=", "in", "not in"):
            raise err(tree, f"strings can only be compared with =, !=, in and not in ({cond.op})")
        return
    kinds = {"number" if k == "int" and returns != "size" else k for k in kinds}
    if allowed is not None and not kinds <= allowed:
        bad = sorted(kinds - allowed)[0]
        want = {
            "number": "a number",
            "number|boolean": "a number",
            "string": "a string",
            "duration": "a duration such as 24 hours",
            "size": "a size such as 5 MB",
            "date": 'a date, a time or now() (e.g. "2024-01-31", "9:30 AM", now())',
        }[returns]
        raise err(tree, f"{name} needs {want} in its condition, got a {bad}")
    if returns == "string" and cond.op not in ("=", "!=", "in", "not in"):
        raise err(tree, f"{name} compares strings with =, !=, in or not in")


def _kind(o: Operand) -> str:
    if isinstance(o, Number):
        return "int" if "." not in o.text else "number"
    if isinstance(o, (Neg, BinOp, Paren, Func)):
        return "number"
    if isinstance(o, Keyword):
        return "null"
    if isinstance(o, String):
        return "date" if is_date_text(o.value) or is_time_text(o.value) else "string"
    if isinstance(o, Now):
        return "date"
    if isinstance(o, Duration):
        return "duration"
    if isinstance(o, Size):
        return "size"
    return "string"


def _unknown_rule_message(name: str) -> str:
    close = difflib.get_close_matches(name, rt.RULE_TYPE_NAMES, n=1, cutoff=0.5)
    if not close:
        lower = {n.lower(): n for n in rt.RULE_TYPE_NAMES}
        if name.lower() in lower:
            close = [lower[name.lower()]]
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"Rule Type: {name} is not valid{hint}"


def _example(rtype: rt.RuleType) -> str:
    return {
        "number": f"{rtype.name} {' '.join(chr(34) + 'col' + chr(34) for _ in rtype.params)} > 0",
        "values": f'{rtype.name} "col" in ["a", "b"]',
        "string": f'{rtype.name} "col" = "Integer"',
        "duration": f'{rtype.name} "col" <= 24 hours',
        "size": f"{rtype.name} < 5 GB",
        "date": f"{rtype.name} > (now() - 1 days)",
    }.get(rtype.returns, rtype.name)
