"""DQDL text -> :class:`Ruleset`, with errors that say where and what was expected.

The lark grammar (``dqdl.lark``) accepts the shape of the language; builder.py walks the tree,
resolves variables and checks what the grammar cannot: rule types and their parameter counts,
which condition a rule takes, where/threshold support, tags, labels, Metadata/DataSources keys.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .builder import _Builder
from .errors import DATE_RE, MAX_LABELS, TIME_RE, DQDLSyntaxError, is_date_text, is_time_text
from .model import (
    RuleExpr,
    Ruleset,
)

_TERMINAL_NAMES = {
    "STRING": "a quoted string",
    "IDENT": "a name",
    "NUMBER": "a number",
    "VARREF": "a $variable",
    "LSQB": "'['",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "COLON": "':'",
    "EQUAL": "'='",
    "CMP": "a comparison (=, !=, >, >=, <, <=)",
    "BETWEEN": "'between'",
    "NOT": "'not'",
    "IN": "'in'",
    "MATCHES": "'matches'",
    "WITH": "'with'",
    "WHERE": "'where'",
    "LABELS": "'labels'",
    "AND": "'and'",
    "OR": "'or'",
    "OF": "'of'",
    "NULL": "NULL",
    "EMPTY": "EMPTY",
    "WHITESPACES_ONLY": "WHITESPACES_ONLY",
    "NOW": "now()",
    "TIME_UNIT": "a time unit (days, hours, minutes)",
    "SIZE_UNIT": "a size unit (B, KB, MB, GB, TB)",
    "ADDOP": "'+' or '-'",
    "MULOP": "'*' or '/'",
    "MINUS": "'-'",
    "RULES": "Rules",
    "ANALYZERS": "Analyzers",
    "METADATA": "Metadata",
    "DATASOURCES": "DataSources",
    "DEFAULTLABELS": "DefaultLabels",
    "$END": "the end of the document",
}


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = (Path(__file__).with_name("dqdl.lark")).read_text()
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def _describe_expected(expected) -> str:
    names = []
    for term in sorted(expected):
        name = _TERMINAL_NAMES.get(term)
        if name is None:
            name = term.strip('"').lower() if term.startswith('"') else term.lower()
            name = f"'{name}'" if term.startswith('"') else name
        if name not in names:
            names.append(name)
    if len(names) > 8:
        names = names[:8] + ["..."]
    return ", ".join(names)


def _token_text(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the document"
    return repr(str(tok))


def _syntax_error(exc: UnexpectedInput, text: str) -> DQDLSyntaxError:
    line = getattr(exc, "line", 1) or 1
    column = getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        hint = ""
        if char == "'":
            hint = " (strings use double quotes)"
        elif char.isdigit():
            hint = " (names cannot start with a digit)"
        msg = f"unexpected character {char!r}{hint}"
        if exc.allowed:
            msg += f"; expected {_describe_expected(exc.allowed)}"
        return DQDLSyntaxError(msg, line, column)
    if isinstance(exc, UnexpectedEOF):
        lines = text.splitlines() or [""]
        return DQDLSyntaxError(
            f"unexpected end of document; expected {_describe_expected(exc.expected)}",
            len(lines),
            len(lines[-1]) + 1,
        )
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type == "$END":
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
        msg = f"expected {_describe_expected(exc.expected)} but got {_token_text(tok)}"
        if re.search(r"^\s*(rules|RULES|analyzers|ANALYZERS)\s*=", text, re.M):
            msg += " (section names are case-sensitive: write Rules and Analyzers)"
        return DQDLSyntaxError(msg, line, column)
    return DQDLSyntaxError(str(exc), line, column)


def parse(text: str) -> Ruleset:
    """Parse a DQDL document. Raises :class:`DQDLSyntaxError` with line and column."""
    if not isinstance(text, str):
        raise DQDLSyntaxError(f"a DQDL document must be text, not {type(text).__name__}")
    if not text.strip():
        raise DQDLSyntaxError("the document is empty; expected Rules = [ ... ]")
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text) from None
    except RecursionError:
        raise DQDLSyntaxError("the document is nested too deeply") from None
    try:
        return _Builder().build(tree)
    except RecursionError:
        raise DQDLSyntaxError("the document is nested too deeply") from None


def parse_rule(text: str) -> RuleExpr:
    """Parse one rule (as written inside ``Rules = [ ... ]``)."""
    rs = parse(f"Rules = [\n{text}\n]")
    if len(rs.rules) != 1:
        raise DQDLSyntaxError("expected exactly one rule", 1, 1)
    return rs.rules[0]


__all__ = [
    "DATE_RE",
    "MAX_LABELS",
    "TIME_RE",
    "DQDLSyntaxError",
    "is_date_text",
    "is_time_text",
    "parse",
    "parse_rule",
]
