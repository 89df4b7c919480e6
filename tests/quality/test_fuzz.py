"""Fuzzing the parser: whatever the input, parse() returns a Ruleset or raises DQDLSyntaxError."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_mlkit.quality import DQDLSyntaxError, Ruleset, parse

TOKENS = [
    "Rules", "Analyzers", "Metadata", "DataSources", "DefaultLabels", "=", "[", "]", "{", "}",
    "(", ")", ",", ":", '"Version"', '"1.0"', '"col"', '"a b"', '""', '"2024-01-01"', '"9:30 AM"',
    "RowCount", "IsComplete", "ColumnValues", "Completeness", "CustomSql", "DetectAnomalies",
    "FileSize", "DataFreshness", "AllStatistics", "IsUnique", "and", "AND", "or", "OR", "of",
    "between", "not", "in", "matches", "with", "threshold", "where", "labels", "now()", "NULL",
    "EMPTY", "WHITESPACES_ONLY", "days", "hours", "KB", "GB", ">", ">=", "<", "<=", "!=", "+", "-",
    "*", "/", "0", "1", "0.5", "-3", "100", "avg", "last", "$v", "v", "#c\n", "\n", " ", "'x'",
    "1e3", "\\", '"', "timeZone", '"America/New_York"',
]  # fmt: skip

SEEDS = [
    'Rules = [ RowCount between 1 and 10, IsComplete "a" ]',
    'Rules = [ (ColumnValues "x" in ["a",NULL]) or (RowCount > avg(last(3)) * 0.8) ]',
    'v = ["a", "b"]\nRules = [ ColumnValues "c" not in $v with threshold > 0.5 ]',
    'DefaultLabels = ["k"="v"]\nRules = [ FileSize < 5 GB labels=["a"="b"] ]',
    'Metadata = { "Version": "1.0" }\nAnalyzers = [ AllStatistics of AllColumns ]',
    'Rules = [ DataFreshness "d" between 2 days and 5 days where "x > 1" ]',
]


def check(text: str) -> None:
    try:
        result = parse(text)
    except DQDLSyntaxError as exc:
        assert exc.line >= 1 and exc.column >= 1 and exc.message
        return
    assert isinstance(result, Ruleset)
    # whatever parses prints back to text that parses to the same rules
    again = parse(result.to_dqdl())
    assert [r.to_dqdl() for r in again.rules] == [r.to_dqdl() for r in result.rules]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_token_soup(text):
    check(text)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS),
    st.integers(0, 200),
    st.integers(0, 8),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=6),
)
def test_mutated_valid_documents(seed, pos, cut, insert):
    pos = min(pos, len(seed))
    check(seed[:pos] + insert + seed[pos + cut :])


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text(text):
    check(text)


def test_deep_nesting_is_a_clear_error_not_a_crash():
    check("Rules = [ " + "(" * 5000 + "RowCount > 0" + ")" * 5000 + " ]")
    check(json.dumps({"a": 1}))
