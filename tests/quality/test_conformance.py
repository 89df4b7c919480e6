"""Conformance with the reference parser's own tests (awslabs/dqdl) and Glue-checked cases."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from jupyter_mlkit.quality import DQDLSyntaxError, evaluate, parse
from jupyter_mlkit.quality.conditions import check_number
from jupyter_mlkit.quality.rule_types import RULE_TYPES, lookup

FIX = "fixtures/aws/glue_dq"

# Tests in DQRulesetTest.java that expect a parse failure (by their assertions), or that are
# @Disabled because the rule types (JobStatus, JobDuration, FileCount) do not exist.
EXPECTED_REJECTS = {
    "test_isPrimaryCheckWithMetadataAndNoSourcesAndIncorrectKey",
    "test_isPrimaryCheckWithMetadataAndSourcesAndIncorrectPrimarySourceKey",
    "test_isPrimaryCheckWithMetadataAndSourcesAndIncorrectAdditionalSourcesKey",
    "test_jobStatusRuleWithEqualityCheck",
    "test_isPrimaryCheckAndJobStatus",
    "test_jobStatusRuleWithSetOfStatus",
    "test_jobDurationRule",
    "test_fileCountRule",
    "test_invalidRulesetThrowsException",
    "testVariableDefinitionMissing",
    "testCustomSqlRuleWithInvalidVariableType",
    "testVariableOverriding",
    "testNestedVariables",
    "test_DefaultLabelsWithDuplicateKeys",
    "test_MaxNumberOfLabels",
    "test_AddingLabelsAfterReachingMax",
}


def load(shared_dir, name):
    return json.loads((shared_dir / FIX / name).read_text())


def test_every_raw_rule_parses_and_prints_back_identically(shared_dir):
    rules = load(shared_dir, "awslabs-dqdl_DQRuleTest_raw_rules.json")["rules"]
    assert len(rules) > 150
    for text in rules:
        rs = parse(f"Rules = [ {text} ]")
        assert len(rs.rules) == 1, text
        printed = rs.rules[0].to_dqdl()
        assert printed == text
        # and the printed form re-parses to the same tree
        assert parse(f"Rules = [ {printed} ]").rules[0] == rs.rules[0]


def test_every_raw_analyzer_parses_and_prints_back(shared_dir):
    for text in load(shared_dir, "awslabs-dqdl_DQAnalyzerTest_raw_analyzers.json")["analyzers"]:
        rs = parse(f"Analyzers = [ {text} ]")
        assert rs.analyzers[0].to_dqdl() == text


def test_rulesets_parse_or_are_rejected_as_the_reference_tests_expect(shared_dir):
    cases = load(shared_dir, "awslabs-dqdl_DQRulesetTest_rulesets.json")["rulesets"]
    parsed = 0
    for case in cases:
        if case["test"] in EXPECTED_REJECTS:
            with pytest.raises(DQDLSyntaxError):
                parse(case["dqdl"])
        else:
            rs = parse(case["dqdl"])
            assert rs.rules or rs.analyzers
            parsed += 1
    assert parsed >= 70


def test_pretty_printed_rulesets_match_the_reference_format(shared_dir):
    cases = load(shared_dir, "awslabs-dqdl_DQRulesetTest_rulesets.json")["rulesets"]
    by_test: dict[str, dict[str, str]] = {}
    for c in cases:
        by_test.setdefault(c["test"], {})[c["variable"]] = c["dqdl"]
    checked = 0
    for variables in by_test.values():
        if "dqdlFormatted" in variables and "dqdl" in variables:
            assert parse(variables["dqdl"]).to_dqdl() == variables["dqdlFormatted"]
            checked += 1
    assert checked == 7


def test_every_invalid_document_is_rejected_with_a_position(shared_dir):
    data = load(shared_dir, "awslabs-dqdl_InvalidDQRulesetTest_rulesets.json")
    docs = data["invalid_rulesets"] + data["invalid_rulesets_with_analyzers"]
    assert len(docs) > 100
    for doc in docs:
        with pytest.raises(DQDLSyntaxError) as info:
            parse(doc)
        err = info.value
        assert err.line >= 1 and err.column >= 1 and err.message


def test_condition_cases_give_the_expected_verdict(shared_dir):
    data = load(shared_dir, "awslabs-dqdl_ConditionTest_cases.json")
    for case in data["number_based_conditions"]:
        rule = parse(f"Rules = [ {case['rule']} ]").rules[0]
        assert check_number(rule.condition, case["metric"]) is case["expected_pass"], case
    for case in data["number_based_threshold_conditions"]:
        rule = parse(f"Rules = [ {case['rule']} ]").rules[0]
        assert check_number(rule.threshold, case["metric"]) is case["expected_pass"], case


def test_date_and_duration_conditions_parse(shared_dir):
    data = load(shared_dir, "awslabs-dqdl_ConditionTest_cases.json")
    for text in data["date_based_conditions"] + data["duration_based_conditions"]:
        # some strings carry a stray "]" the reference parser ignores as trailing input
        body = text[:-2].rstrip() if text.endswith(" ]") and "[" not in text else text
        rule = parse(f"Rules = [ {body} ]").rules[0]
        assert rule.condition is not None


def test_rule_types_match_the_reference_config(shared_dir):
    config = load(shared_dir, "awslabs-dqdl_rules-config.json")["rule_types"]
    assert len(config) == len(RULE_TYPES)
    for entry in config:
        n = len(entry["parameters"])
        var_arg = any(p.get("is_var_arg") for p in entry["parameters"])
        t = lookup(entry["rule_type_name"], n)
        assert t is not None, entry["rule_type_name"]
        assert t.where == bool(entry.get("is_where_clause_supported")), t.name
        assert t.threshold == bool(entry.get("is_threshold_supported")), t.name
        assert t.var_arg == var_arg, t.name
        assert t.analyzer_only == bool(entry.get("is_analyzer_only")), t.name
        assert t.excluded_in_row_composites == bool(
            entry.get("is_excluded_at_row_level_in_composite_rules")
        ), t.name
        assert (t.returns == "boolean") == (entry["return_type"] == "BOOLEAN"), t.name


def test_sample_dqdl_files_parse(shared_dir):
    for path in sorted((shared_dir / FIX).glob("*.dqdl")):
        rs = parse(path.read_text())
        assert rs.rules
    # the go-dqdl sample holds two Rules blocks: both are kept, in order
    rs = parse((shared_dir / FIX / "go-dqdl_sample.dqdl").read_text())
    assert [r.rule_type for r in rs.rules] == [
        "IsComplete",
        "IsUnique",
        "IsComplete",
        "DataFreshness",
    ]


def test_aws_sdk_pandas_cases_match_glue_outcomes(shared_dir):
    data = load(shared_dir, "aws-sdk-pandas_test_data_quality_cases.json")
    cases = {c["test"]: c for c in data["cases"]}

    def run(case, ruleset, **kw):
        return evaluate(ruleset, pd.DataFrame(case["data"]), **kw)

    c = cases["test_ruleset_dqdl"]
    assert all(o.outcome == "Passed" for o in run(c, c["ruleset"]).outcomes)
    c = cases["test_ruleset_df"]
    res = run(c, c["ruleset_equivalent"])
    assert len(res.outcomes) == 4 and res.score == 1.0
    c = cases["test_ruleset_fail"]
    assert run(c, c["ruleset"]).outcomes[0].outcome == "Failed"
    c = cases["test_ruleset_pushdown_predicate"]
    res = run(c, c["ruleset"], row_filter="c2 = 0")
    assert res.outcomes[0].outcome == "Passed"
    assert res.outcomes[0].metrics["Dataset.*.RowCount"] == 2.0
    for rule in data["parse_only_rules_from_test_parse_rules"]:
        parse(f"Rules = [ {rule} ]")
