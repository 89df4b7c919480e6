"""From lark's parse tree to the model: resolves variables and checks what the grammar cannot
(rule types and parameter counts, condition kinds, where/threshold support, tags, labels,
Metadata/DataSources keys), each error pointing at its line and column."""

from __future__ import annotations

import re

from lark import Token, Tree

from . import rule_types as rt
from .errors import MAX_LABELS, DQDLSyntaxError
from .model import (
    Analyzer,
    BinOp,
    Composite,
    Condition,
    Duration,
    Func,
    Group,
    Keyword,
    Neg,
    Now,
    Number,
    Operand,
    Param,
    Paren,
    Rule,
    RuleExpr,
    Ruleset,
    Size,
    String,
    Tag,
    VarRef,
)
from .validate import _example, _unknown_rule_message, check_condition


def _pos(item) -> tuple[int, int]:
    if isinstance(item, Token):
        return item.line or 1, item.column or 1
    meta = getattr(item, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return meta.line, meta.column
    return 1, 1


def _unquote(tok: Token | str) -> str:
    s = str(tok)[1:-1]
    return re.sub(r"\\(.)", r"\1", s)


class _Builder:
    def __init__(self) -> None:
        self.rs = Ruleset()

    def err(self, item, message: str) -> DQDLSyntaxError:
        line, col = _pos(item)
        return DQDLSyntaxError(message, line, col)

    # ---- document sections --------------------------------------------------------------
    def build(self, tree: Tree) -> Ruleset:
        for child in tree.children:
            if not isinstance(child, Tree):
                continue
            handler = getattr(self, "_" + child.data)
            handler(child)
        if not self.rs.rules and not self.rs.analyzers:
            raise self.err(tree, "No rules or analyzers provided.")
        return self.rs

    def _metadata(self, tree: Tree) -> None:
        for pair in tree.children:
            key, value = _unquote(pair.children[0]), _unquote(pair.children[1])
            if key != "Version":
                raise self.err(
                    pair, f'Unsupported key provided in Metadata section: "{key}" (only "Version")'
                )
            self.rs.metadata[key] = value

    def _data_sources(self, tree: Tree) -> None:
        for pair in tree.children:
            key = _unquote(pair.children[0])
            value = pair.children[1]
            if key == "Primary":
                if not isinstance(value, Token):
                    raise self.err(pair, '"Primary" must be a string')
                self.rs.data_sources[key] = _unquote(value)
            elif key == "AdditionalDataSources":
                if isinstance(value, Token):
                    raise self.err(pair, '"AdditionalDataSources" must be an array of strings')
                self.rs.data_sources[key] = [_unquote(v) for v in value.children]
            else:
                raise self.err(
                    pair,
                    f'Unsupported key provided in DataSources section: "{key}" '
                    '(expected "Primary" or "AdditionalDataSources")',
                )

    def _variable(self, tree: Tree) -> None:
        name_tok, value = tree.children
        name = str(name_tok)
        if name[0] in "._" or "." in name:
            raise self.err(name_tok, f"invalid variable name {name!r}: use letters, digits and _")
        if name in self.rs.variables:
            raise self.err(name_tok, f"variable {name!r} is already defined")
        if isinstance(value, Tree) and value.data == "bad_var_number":
            raise self.err(value, f"variable {name!r}: variables hold strings, not numbers")
        if isinstance(value, Token):  # a STRING
            text = _unquote(value)
            if re.search(r"\$[A-Za-z_]\w*", text):
                raise self.err(value, f"variable {name!r} refers to another variable")
            self.rs.variables[name] = text
            return
        items: list[Operand] = []
        for item in value.children:
            if item.type == "NUMBER":
                raise self.err(item, f"variable {name!r}: list items must be strings, not numbers")
            if item.type == "STRING":
                items.append(String(_unquote(item)))
            else:
                items.append(Keyword(str(item)))
        self.rs.variables[name] = tuple(items)

    def _default_labels(self, tree: Tree) -> None:
        labels = self.labels(tree.children[0])
        if len(labels) > MAX_LABELS:
            raise self.err(tree, f"at most {MAX_LABELS} labels are allowed, got {len(labels)}")
        self.rs.default_labels = labels

    def _sections(self, tree: Tree) -> None:
        for child in tree.children:
            if child.data == "rules_section":
                self.rs.rules.extend(self.rule_expr(c) for c in child.children[1:] if c is not None)
            else:
                for a in child.children[1:]:
                    if a is not None:
                        self.rs.analyzers.append(self.analyzer(a))

    # ---- labels ------------------------------------------------------------------------
    def labels(self, label_list: Tree) -> tuple[tuple[str, str], ...]:
        out: dict[str, str] = {}
        for label in label_list.children:
            key, value = _unquote(label.children[0]), _unquote(label.children[1])
            if not key or not value:
                raise self.err(label, "label keys and values cannot be empty")
            if len(key) > 128 or len(value) > 256:
                raise self.err(label, "label keys are at most 128 characters, values 256")
            if key in out:
                raise self.err(label, f"duplicate label key {key!r}")
            out[key] = value
        return tuple(out.items())

    def check_label_count(self, node, labels) -> None:
        merged = dict(self.rs.default_labels)
        merged.update(labels)
        if len(merged) > MAX_LABELS:
            raise self.err(
                node, f"a rule can have at most {MAX_LABELS} labels including DefaultLabels"
            )

    # ---- rules -------------------------------------------------------------------------
    def rule_expr(self, tree: Tree) -> RuleExpr:
        kind = tree.data
        if kind == "rule":
            return self.rule(tree)
        if kind == "group":
            inner = self.rule_expr(tree.children[1])
            labels = ()
            if tree.children[2] is not None:
                labels = self.labels(tree.children[2].children[1])
                self.check_label_count(tree.children[2], labels)
            line, col = _pos(tree)
            return Group(inner, labels, line, col)
        if kind in ("or_expr", "and_expr"):
            operands = tuple(self.rule_expr(c) for c in tree.children if isinstance(c, Tree))
            op_tok = next(c for c in tree.children if isinstance(c, Token))
            line, col = _pos(tree)
            return Composite(kind[:-5] if kind == "and_expr" else "or", operands, str(op_tok),
                             line, col)  # fmt: skip
        raise self.err(tree, f"unexpected {kind}")  # pragma: no cover - grammar guarantees

    def param(self, tree: Tree) -> Param:
        filler, value = tree.children
        filler_text = str(filler) if filler is not None else None
        if value.type == "STRING":
            return Param(_unquote(value), True, filler_text)
        if value.type == "IDENT":
            return Param(str(value), False, filler_text)
        name = str(value)[1:]
        resolved = self.variable(value, name)
        if not isinstance(resolved, str):
            raise self.err(
                value, f"Invalid variable type for '{name}': a list was given, expected STRING"
            )
        return Param(resolved, True, filler_text, var=name)

    def variable(self, tok: Token, name: str):
        if name not in self.rs.variables:
            raise self.err(tok, f"Variable not found: {name}")
        return self.rs.variables[name]

    def rule(self, tree: Tree) -> Rule:
        type_tok = tree.children[0]
        name = str(type_tok)
        params: list[Param] = []
        condition = where = labels_tree = None
        tags: list[Tag] = []
        for child in tree.children[1:]:
            if child is None:
                continue
            if child.data == "param":
                params.append(self.param(child))
            elif child.data == "where":
                where = child
            elif child.data == "labels":
                labels_tree = child
            elif child.data == "tag":
                tags.append(self.tag(child))
            else:
                condition = child
        if name not in rt.RULE_TYPE_NAMES:
            raise self.err(type_tok, _unknown_rule_message(name))
        rtype = rt.lookup(name, len(params))
        if rtype is None:
            raise self.err(
                type_tok,
                f"Rule Type: {name} is not valid with {len(params)} parameter(s); "
                f"it takes {rt.describe_arity(name)}",
            )
        if rtype.analyzer_only:
            raise self.err(type_tok, f"{name} can only be used in the Analyzers section")
        cond = self.condition(condition, rtype) if condition is not None else None
        if cond is None and rtype.returns not in ("boolean", "number|boolean"):
            raise self.err(type_tok, f"{name} needs a condition (for example {_example(rtype)})")
        where_text = None
        if where is not None:
            if not rtype.where:
                raise self.err(where, f"Where clause is not supported for rule type: {name}")
            where_text = _unquote(where.children[1])
            if not where_text.strip():
                raise self.err(where, "the where clause is empty")
        thresholds = [t for t in tags if t.name == "threshold"]
        if thresholds and not rtype.threshold:
            raise self.err(tree, f"Threshold condition not supported for rule type: {name}")
        if len(thresholds) > 1:
            raise self.err(tree, "only one 'with threshold' is allowed per rule")
        labels = ()
        if labels_tree is not None:
            labels = self.labels(labels_tree.children[1])
            self.check_label_count(labels_tree, labels)
        line, col = _pos(type_tok)
        return Rule(name, tuple(params), cond, where_text, labels, tuple(tags), line, col)

    def tag(self, tree: Tree) -> Tag:
        name_tok, cond_tree = tree.children[1], tree.children[2]
        name = str(name_tok)
        if name == "threshold":
            return Tag(name, self.condition(cond_tree, None, threshold=True))
        if cond_tree.data != "compare" or str(cond_tree.children[0]) != "=":
            raise self.err(cond_tree, "String/Number tags only support the equality operator.")
        value = self.operand(cond_tree.children[1])
        if not isinstance(value, (String, Number)):
            raise self.err(cond_tree, f"tag {name!r} takes a quoted string or a number")
        if name == "timeZone":
            _check_zone(self, cond_tree, value)
        return Tag(name, Condition("=", (value,)))

    def analyzer(self, tree: Tree) -> Analyzer:
        type_tok = tree.children[0]
        name = str(type_tok)
        params = tuple(self.param(c) for c in tree.children[1:] if c is not None)
        if name not in rt.RULE_TYPE_NAMES:
            raise self.err(type_tok, _unknown_rule_message(name))
        rtype = rt.lookup(name, len(params))
        if rtype is None:
            raise self.err(
                type_tok,
                f"Analyzer Type: {name} is not valid with {len(params)} parameter(s); "
                f"it takes {rt.describe_arity(name)}",
            )
        if rtype.boolean or rtype.experimental:
            raise self.err(type_tok, f"Analyzer Type: {name} is not supported")
        line, col = _pos(type_tok)
        return Analyzer(name, params, line, col)

    # ---- conditions --------------------------------------------------------------------
    def operand(self, tree) -> Operand:
        if isinstance(tree, Token):  # pragma: no cover - operands are always trees
            raise self.err(tree, "unexpected token")
        kind = tree.data
        ch = tree.children
        if kind == "number":
            return Number(str(ch[0]))
        if kind == "neg":
            return Neg(self.operand(ch[0]))
        if kind == "binop":
            return BinOp(str(ch[1]), self.operand(ch[0]), self.operand(ch[2]))
        if kind == "paren":
            return Paren(self.operand(ch[0]))
        if kind == "func":
            args = tuple(self.operand(a) for a in ch[1:] if a is not None)
            return Func(str(ch[0]), args)
        if kind == "string":
            return String(_unquote(ch[0]))
        if kind == "keyword":
            return Keyword(str(ch[0]))
        if kind == "varref":
            name = str(ch[0])[1:]
            return VarRef(name, self.variable(ch[0], name))
        if kind == "now":
            return Now()
        if kind == "now_shift":
            amount = self._int(ch[2], "now() arithmetic")
            return Now(str(ch[1]), amount, str(ch[3]))
        if kind == "duration":
            return Duration(self._int(ch[0], "a duration"), str(ch[1]))
        if kind == "size":
            return Size(self._int(ch[0], "a size"), str(ch[1]))
        raise self.err(tree, f"unexpected {kind}")  # pragma: no cover

    def _int(self, tok: Token, what: str) -> int:
        if "." in str(tok):
            raise self.err(tok, f"{what} needs a whole number, got {tok}")
        return int(str(tok))

    def condition(self, tree: Tree, rtype: rt.RuleType | None, threshold=False) -> Condition:
        kind = tree.data
        ch = [c for c in tree.children if c is not None]
        from_var = False
        if kind in ("between", "not_between"):
            op = "between" if kind == "between" else "not between"
            operands = (self.operand(ch[-3]), self.operand(ch[-1]))
        elif kind == "compare":
            op = str(ch[0])
            operands = (self.operand(ch[1]),)
        elif kind in ("in_", "not_in"):
            op = "in" if kind == "in_" else "not in"
            target = ch[-1]
            if isinstance(target, Token):  # in $var
                name = str(target)[1:]
                value = self.variable(target, name)
                if isinstance(value, str) and op in ("in", "not in"):
                    value = (String(value),)
                operands = (VarRef(name, value),)
                from_var = True
            else:
                operands = tuple(self.operand(o) for o in target.children)
        else:  # matches / not matches
            op = "matches" if kind == "matches" else "not matches"
            target = ch[-1]
            if target.type == "VARREF":
                name = str(target)[1:]
                value = self.variable(target, name)
                if not isinstance(value, str):
                    raise self.err(target, f"Invalid variable type for '{name}': expected STRING")
                operands = (VarRef(name, value),)
            else:
                operands = (String(_unquote(target)),)
        cond = Condition(op, operands, from_var)
        returns = "number" if threshold else rtype.returns
        check_condition(self.err, tree, cond, returns, rtype.name if rtype else "threshold")
        return cond


def _check_zone(builder: _Builder, tree, value) -> None:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(str(value.value))
    except Exception:
        raise builder.err(tree, f"unknown time zone {value.value!r}") from None
