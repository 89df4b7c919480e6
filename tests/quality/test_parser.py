"""Parser behaviour and error messages, beyond the reference parser's fixtures."""

from __future__ import annotations

import pytest

from jupyter_mlkit.quality import DQDLSyntaxError, parse, parse_rule
from jupyter_mlkit.quality.conditions import check_number
from jupyter_mlkit.quality.model import Composite, Group, Rule


def error(text: str) -> DQDLSyntaxError:
    with pytest.raises(DQDLSyntaxError) as info:
        parse(text)
    return info.value


def test_unknown_rule_type_suggests_the_closest_name_at_its_position():
    err = error('Rules = [\n    RowCount > 1,\n    IsCompete "a"\n]')
    assert (err.line, err.column) == (3, 5)
    assert err.message == "Rule Type: IsCompete is not valid; did you mean IsComplete?"
    assert str(err) == "line 3, column 5: " + err.message
    assert "did you mean ColumnValues?" in error('Rules = [ columnvalues "a" = "b" ]').message


def test_syntax_errors_say_what_was_expected_and_what_came():
    err = error("Rules = [ RowCount > 1, ]")
    assert (err.line, err.column) == (1, 25)
    assert err.message == "expected a name, '(' but got ']'"
    err = error("rules = [ RowCount > 1 ]")
    assert "section names are case-sensitive" in err.message
    err = error("Rules = [ ColumnValues \"a\" = 'x' ]")
    assert "strings use double quotes" in err.message and err.column == 30
    assert "end of the document" in error("Rules = [ RowCount >").message


def test_semantic_errors_point_at_the_rule():
    err = error('Rules = [ RowCount > 1,\n  Mean "x" where "x > 1" ]')
    assert err.line == 2 and "needs a condition" in err.message
    err = error('Rules = [ IsComplete "x" > 0.5 ]')
    assert "boolean return type" in err.message
    err = error('Rules = [ ColumnLength "x" > 1 with threshold > 0.5 ]')
    assert err.message == "Threshold condition not supported for rule type: ColumnLength"
    err = error('Rules = [ RowCount > 1 labels=["k"="v", "k"="w"] ]')
    assert err.message == "duplicate label key 'k'"


def test_precedence_and_before_or_and_labels_on_groups():
    rule = parse_rule('(RowCount > 0) or (IsComplete "a") and (IsUnique "a")')
    assert isinstance(rule, Composite) and rule.op == "or"
    assert isinstance(rule.operands[1], Composite) and rule.operands[1].op == "and"
    rule = parse_rule('((RowCount > 0) AND (IsComplete "a")) labels=["team"="x"]')
    assert isinstance(rule, Group) and rule.labels == (("team", "x"),)
    rule = parse_rule('ColumnValues "a" != NULL AND ColumnLength "a" > 0 labels=["k"="v"]')
    assert isinstance(rule, Composite)
    assert rule.operands[0].labels == () and rule.operands[1].labels == (("k", "v"),)


def test_arithmetic_uses_usual_precedence():
    rule = parse_rule("RowCount = 1 + 2 * 3")
    assert check_number(rule.condition, 7.0) and not check_number(rule.condition, 9.0)
    rule = parse_rule("RowCount = (1 + 2) * 3")
    assert check_number(rule.condition, 9.0)
    rule = parse_rule("RowCount = -2 - -3")
    assert check_number(rule.condition, 1.0)


def test_variables_resolve_and_print_as_references():
    rs = parse('allowed = ["a", NULL]\nsql = "select 1"\nRules = [ ColumnValues "c" in $allowed ]')
    rule = rs.rules[0]
    assert isinstance(rule, Rule)
    assert rule.to_dqdl() == 'ColumnValues "c" in $allowed'
    assert [o.to_dqdl() for o in rule.condition.items()] == ['"a"', "NULL"]
    assert "\nRules = [" in rs.to_dqdl() and 'allowed = ["a", NULL]' in rs.to_dqdl()
    err = error("Rules = [ CustomSql $nope ]")
    assert err.message == "Variable not found: nope"


def test_comments_and_default_labels():
    rs = parse('# header\nDefaultLabels = ["env"="prod"]\nRules = [ RowCount > 0 ] # tail')
    assert rs.default_labels == (("env", "prod"),)
    assert rs.to_dqdl() == 'DefaultLabels = ["env"="prod"]\n\nRules = [\n    RowCount > 0\n]'
    assert parse(rs.to_dqdl()).default_labels == rs.default_labels
