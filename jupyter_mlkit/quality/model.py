"""The parsed form of a DQDL document: plain dataclasses, each able to print itself back.

``to_dqdl()`` prints the canonical text of the awslabs reference parser (lists without spaces,
labels as ``labels=["k"="v", ...]``), which re-parses to an equal tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Union


def quote(text: str) -> str:
    """A DQDL double-quoted string (only ``\\`` and ``"`` are escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---- value expressions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    text: str

    @property
    def value(self) -> float:
        return float(self.text)

    def to_dqdl(self) -> str:
        return self.text


@dataclass(frozen=True)
class Neg:
    operand: Expr

    def to_dqdl(self) -> str:
        return "-" + self.operand.to_dqdl()


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Expr
    right: Expr

    def to_dqdl(self) -> str:
        return f"{self.left.to_dqdl()} {self.op} {self.right.to_dqdl()}"


@dataclass(frozen=True)
class Paren:
    inner: Expr

    def to_dqdl(self) -> str:
        return f"({self.inner.to_dqdl()})"


@dataclass(frozen=True)
class Func:
    name: str
    args: tuple[Expr, ...]

    def to_dqdl(self) -> str:
        return f"{self.name}({','.join(a.to_dqdl() for a in self.args)})"


@dataclass(frozen=True)
class String:
    value: str

    def to_dqdl(self) -> str:
        return quote(self.value)


@dataclass(frozen=True)
class Keyword:
    """NULL, EMPTY or WHITESPACES_ONLY (``text`` keeps the case written)."""

    text: str

    @property
    def name(self) -> str:
        return self.text.upper()

    def to_dqdl(self) -> str:
        return self.text


@dataclass(frozen=True)
class Now:
    """``now()`` or ``(now() +/- N unit)``."""

    op: str | None = None
    amount: int = 0
    unit: str = ""

    def to_dqdl(self) -> str:
        if self.op is None:
            return "now()"
        return f"(now() {self.op} {self.amount} {self.unit})"


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # days | hours | minutes

    @property
    def hours(self) -> float:
        return {"days": 24.0, "hours": 1.0, "minutes": 1 / 60}[self.unit] * self.amount

    def to_dqdl(self) -> str:
        return f"{self.amount} {self.unit}"


SIZE_FACTORS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


@dataclass(frozen=True)
class Size:
    amount: int
    unit: str

    @property
    def bytes(self) -> int:
        return self.amount * SIZE_FACTORS[self.unit]

    def to_dqdl(self) -> str:
        return f"{self.amount} {self.unit}"


@dataclass(frozen=True)
class VarRef:
    name: str
    value: str | tuple[Operand, ...]

    def to_dqdl(self) -> str:
        return "$" + self.name


Expr = Union[Number, Neg, BinOp, Paren, Func]
Operand = Union[Number, Neg, BinOp, Paren, Func, String, Keyword, Now, Duration, Size, VarRef]


# ---- conditions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """``op`` is one of between, not between, =, !=, >, >=, <, <=, in, not in, matches,
    not matches; ``operands`` holds 2 values for between, 1 for comparisons and matches, and the
    list items for in (or one VarRef when the list comes from a variable)."""

    op: str
    operands: tuple[Operand, ...]
    list_from_var: bool = False

    def items(self) -> tuple[Operand, ...]:
        """Operands with variables resolved (for ``in $var`` the variable's list)."""
        out: list[Operand] = []
        for o in self.operands:
            if isinstance(o, VarRef):
                if isinstance(o.value, tuple):
                    out.extend(o.value)
                else:
                    out.append(String(o.value))
            else:
                out.append(o)
        return tuple(out)

    def to_dqdl(self) -> str:
        ops = self.operands
        if self.op in ("between", "not between"):
            return f"{self.op} {ops[0].to_dqdl()} and {ops[1].to_dqdl()}"
        if self.op in ("in", "not in"):
            if self.list_from_var:
                return f"{self.op} {ops[0].to_dqdl()}"
            return f"{self.op} [{','.join(o.to_dqdl() for o in ops)}]"
        return f"{self.op} {ops[0].to_dqdl()}"


# ---- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    value: str
    quoted: bool = True
    filler: str | None = None  # "of" / "and" written before the parameter
    var: str | None = None  # the variable name when written as $name

    def to_dqdl(self) -> str:
        text = "$" + self.var if self.var else (quote(self.value) if self.quoted else self.value)
        return f"{self.filler} {text}" if self.filler else text


@dataclass(frozen=True)
class Tag:
    name: str
    condition: Condition

    def to_dqdl(self) -> str:
        return f"with {self.name} {self.condition.to_dqdl()}"


def labels_to_dqdl(labels: tuple[tuple[str, str], ...]) -> str:
    return "labels=[" + ", ".join(f"{quote(k)}={quote(v)}" for k, v in labels) + "]"


@dataclass(frozen=True)
class Rule:
    rule_type: str
    params: tuple[Param, ...] = ()
    condition: Condition | None = None
    where: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    tags: tuple[Tag, ...] = ()
    line: int = 0
    column: int = 0

    @property
    def args(self) -> list[str]:
        """Parameter values with variables resolved."""
        return [p.value for p in self.params]

    @property
    def threshold(self) -> Condition | None:
        for t in self.tags:
            if t.name == "threshold":
                return t.condition
        return None

    def tag(self, name: str) -> str | None:
        """The value of a ``with name = value`` tag, as text."""
        for t in self.tags:
            if t.name == name and t.condition.operands:
                o = t.condition.operands[0]
                return o.value if isinstance(o, String) else o.to_dqdl()
        return None

    def to_dqdl(self) -> str:
        parts = [self.rule_type, *(p.to_dqdl() for p in self.params)]
        if self.condition is not None:
            parts.append(self.condition.to_dqdl())
        if self.where is not None:
            parts.append("where " + quote(self.where))
        if self.labels:
            parts.append(labels_to_dqdl(self.labels))
        parts.extend(t.to_dqdl() for t in self.tags)
        return " ".join(parts)

    def leaves(self) -> list[Rule]:
        return [self]


@dataclass(frozen=True)
class Group:
    """A parenthesised rule expression, optionally with its own labels."""

    inner: RuleExpr
    labels: tuple[tuple[str, str], ...] = ()
    line: int = 0
    column: int = 0

    def to_dqdl(self) -> str:
        text = f"({self.inner.to_dqdl()})"
        return f"{text} {labels_to_dqdl(self.labels)}" if self.labels else text

    def leaves(self) -> list[Rule]:
        return self.inner.leaves()


@dataclass(frozen=True)
class Composite:
    """``op`` is "and" or "or"; ``op_text`` keeps the case written (and/AND)."""

    op: str
    operands: tuple[RuleExpr, ...]
    op_text: str = ""
    line: int = 0
    column: int = 0

    def to_dqdl(self) -> str:
        sep = f" {self.op_text or self.op.upper()} "
        return sep.join(o.to_dqdl() for o in self.operands)

    def leaves(self) -> list[Rule]:
        return [leaf for o in self.operands for leaf in o.leaves()]


RuleExpr = Union[Rule, Group, Composite]


@dataclass(frozen=True)
class Analyzer:
    rule_type: str
    params: tuple[Param, ...] = ()
    line: int = 0
    column: int = 0

    @property
    def args(self) -> list[str]:
        return [p.value for p in self.params]

    def to_dqdl(self) -> str:
        return " ".join([self.rule_type, *(p.to_dqdl() for p in self.params)])


@dataclass
class Ruleset:
    rules: list[RuleExpr] = field(default_factory=list)
    analyzers: list[Analyzer] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    data_sources: dict[str, str | list[str]] = field(default_factory=dict)
    variables: dict[str, str | tuple[Operand, ...]] = field(default_factory=dict)
    default_labels: tuple[tuple[str, str], ...] = ()

    @property
    def primary_source(self) -> str | None:
        value = self.data_sources.get("Primary")
        return value if isinstance(value, str) else None

    def to_dqdl(self) -> str:
        """The reference parser's pretty-printed form (4-space indent, blank line between)."""
        blocks: list[str] = []
        if self.metadata:
            body = ",\n".join(f"    {quote(k)}: {quote(v)}" for k, v in self.metadata.items())
            blocks.append("Metadata = {\n" + body + "\n}")
        if self.data_sources:
            lines = []
            for k, v in self.data_sources.items():
                if isinstance(v, list):
                    lines.append(f"    {quote(k)}: [ {', '.join(quote(x) for x in v)} ]")
                else:
                    lines.append(f"    {quote(k)}: {quote(v)}")
            blocks.append("DataSources = {\n" + ",\n".join(lines) + "\n}")
        if self.variables:
            var_lines = []
            for name, value in self.variables.items():
                if isinstance(value, tuple):
                    var_lines.append(f"{name} = [{', '.join(o.to_dqdl() for o in value)}]")
                else:
                    var_lines.append(f"{name} = {quote(value)}")
            blocks.append("\n".join(var_lines))
        if self.default_labels:
            blocks.append("DefaultLabels = " + labels_to_dqdl(self.default_labels)[7:])
        if self.rules:
            blocks.append(
                "Rules = [\n" + ",\n".join("    " + r.to_dqdl() for r in self.rules) + "\n]"
            )
        if self.analyzers:
            blocks.append(
                "Analyzers = [\n" + ",\n".join("    " + a.to_dqdl() for a in self.analyzers) + "\n]"
            )
        return "\n\n".join(blocks)

    def to_json(self) -> str:
        return json.dumps({"rules": [r.to_dqdl() for r in self.rules]})
