"""Row-level outcomes of the rules judged against other data: CustomSql's row form (its rows
matched back to the primary rows), ReferentialIntegrity and DatasetMatch (joins with a reference
dataset). Expectations are hand-computed on small tables with NULLs and duplicate rows."""

from __future__ import annotations

import pandas as pd
import pytest

from jupyter_mlkit.quality import evaluate

# rid 1 and 2 are the same row; rid 3 has a NULL id, rid 4 a NULL s, rid 5 a NULL x.
PRIMARY = pd.DataFrame(
    {
        "rid": [0, 1, 2, 3, 4, 5],
        "id": pd.array([1, 2, 2, None, 3, 4], dtype="Int64"),
        "s": ["a", "b", "b", "c", None, "d"],
        "x": [1.0, 2.0, 2.0, 3.0, 4.0, None],
    }
)
# A duplicate key (2) and a NULL key; (NULL, "c") must not match the primary's (NULL, "c").
REF = pd.DataFrame(
    {
        "rid": pd.array([1, 2, 2, None, 9], dtype="Int64"),
        "rs": ["a", "x", "b", "c", None],
    }
)


def rows_of(rules: str, data=PRIMARY, **kw) -> tuple[list, pd.DataFrame]:
    res = evaluate(f"Rules = [ {rules} ]", data, row_level=True, **kw)
    return res.outcomes, res.rows


def verdicts(rows: pd.DataFrame, rule: str) -> list[str]:
    """Per row: "P" (in DataQualityRulesPass), "F" (Fail) or "S" (Skip) for ``rule``."""
    out = []
    cols = (("P", "DataQualityRulesPass"), ("F", "DataQualityRulesFail"),
            ("S", "DataQualityRulesSkip"))  # fmt: skip
    for _, r in rows.iterrows():
        hits = [k for k, col in cols if rule in list(r[col])]
        assert len(hits) == 1, (rule, dict(r))
        out.append(hits[0])
    return out


# ---- CustomSql, row form --------------------------------------------------------------------


def test_custom_sql_rows_are_matched_back_with_null_safe_equality():
    # Returned: (2,b) twice, (NULL,c), (3,NULL). NULL = NULL matches, so rid 3 and 4 pass;
    # both copies of the duplicate row pass; rid 0 (x = 1) and rid 5 (x NULL) fail.
    rule = 'CustomSql "select id, s from primary where x >= 2" with threshold > 0.6'
    (o,), rows = rows_of(rule)
    assert o.outcome == "Passed"
    assert o.metrics == {"Dataset.*.CustomSQL.Compliance": pytest.approx(4 / 6)}
    assert verdicts(rows, rule) == ["F", "P", "P", "P", "P", "F"]
    assert list(rows["rid"]) == [0, 1, 2, 3, 4, 5]
    assert list(rows["DataQualityEvaluationResult"]) == ["Failed"] + ["Passed"] * 4 + ["Failed"]


def test_custom_sql_duplicates_and_column_case_do_not_repeat_rows():
    # The query returns every row twice: each primary row still appears once, and passes.
    rule = 'CustomSql "select ID, S from primary union all select id, s from primary"'
    (o,), rows = rows_of(rule)
    assert o.outcome == "Passed" and len(rows) == 6
    assert verdicts(rows, rule) == ["P"] * 6
    rule = "CustomSql \"select s from primary where s = 'b'\""
    (o,), rows = rows_of(rule)
    assert o.outcome == "Failed" and o.message == "33.33 % of rows passed the threshold"
    assert verdicts(rows, rule) == ["F", "P", "P", "F", "F", "F"]


def test_custom_sql_non_primary_column_and_scalar_form_are_skipped():
    bad = 'CustomSql "select id, 1 as nope from primary"'
    scalar = 'CustomSql "select count(*) from primary" = 6'
    (o_bad, o_scalar), rows = rows_of(f"{bad}, {scalar}")
    assert o_bad.outcome == "Error"
    assert "must return columns of the primary dataset (not nope)" in o_bad.message
    assert o_scalar.outcome == "Passed"
    assert verdicts(rows, bad) == ["S"] * 6  # the rule errored: no row verdict
    assert verdicts(rows, scalar) == ["S"] * 6  # dataset-level: rows are not judged by it


def test_custom_sql_rows_match_file_data_whose_types_pyarrow_reads_differently(tmp_path):
    # pyarrow (the sandbox's reader) types ts as TIMESTAMP_S, DuckDB's read_csv as TIMESTAMP.
    path = tmp_path / "t.csv"
    path.write_text("id,ts\n1,2024-06-01 10:00:00\n2,2024-06-02 11:00:00\n3,\n")
    rule = 'CustomSql "select ts from primary where id >= 2"'
    (o,), rows = rows_of(rule, str(path))
    assert o.metrics == {"Dataset.*.CustomSQL.Compliance": pytest.approx(2 / 3)}
    assert verdicts(rows, rule) == ["F", "P", "P"]


def test_custom_sql_sees_the_rows_the_row_filter_keeps():
    # The filter keeps rid 1-4; the query sees those four rows, as every other rule does.
    rules = 'CustomSql "select count(*) from primary" = 4, CustomSql "select id from primary"'
    (o1, o2), rows = rows_of(rules, row_filter="x > 1")
    assert o1.outcome == "Passed" and o2.metrics == {"Dataset.*.CustomSQL.Compliance": 1.0}
    assert list(rows["rid"]) == [1, 2, 3, 4]
    assert verdicts(rows, 'CustomSql "select id from primary"') == ["P"] * 4


# ---- ReferentialIntegrity -------------------------------------------------------------------


def test_referential_integrity_rows_null_keys_miss_and_reference_duplicates_do_not_repeat():
    one = 'ReferentialIntegrity "id" "ref.rid" > 0.5'
    two = 'ReferentialIntegrity "id,s" "ref.{rid,rs}" = 0.5'
    (o1, o2), rows = rows_of(f"{one}, {two}", references={"ref": REF})
    # ids 1, 2, 2 are in the reference (2 twice); NULL, 3, 4 are misses: 3 of 6.
    assert o1.outcome == "Failed" and o1.metrics == {"Column.ref.ReferentialIntegrity": 0.5}
    assert verdicts(rows, one) == ["P", "P", "P", "F", "F", "F"]
    # (1,a), (2,b), (2,b) exist; (NULL,c) has a NULL key; (3,NULL) and (4,d) do not exist.
    assert o2.outcome == "Passed"
    assert verdicts(rows, two) == ["P", "P", "P", "F", "F", "F"]
    assert len(rows) == 6
    assert res_counts(rows) == (3, 3)


def res_counts(rows: pd.DataFrame) -> tuple[int, int]:
    passed = int((rows["DataQualityEvaluationResult"] == "Passed").sum())
    return passed, len(rows) - passed


def test_referential_integrity_missing_reference_is_skipped():
    rule = 'ReferentialIntegrity "id" "nope.rid" > 0.5'
    (o,), rows = rows_of(rule, references={"ref": REF})
    assert o.outcome == "Error" and "'nope' was not given" in o.message
    assert verdicts(rows, rule) == ["S"] * 6


# ---- DatasetMatch ---------------------------------------------------------------------------

P2 = pd.DataFrame(
    {
        "key": [1, 2, 3, 4, 5],
        "a": [10.0, 20.0, None, 40.0, 50.0],
        "b": ["x", "y", "z", None, "w"],
    }
)
R2 = pd.DataFrame(
    {
        "rk": [1, 2, 3, 4, 6],
        "a": [10.0, 21.0, None, 40.0, 60.0],
        "b": ["x", "y", "z", "q", "w"],
        "extra": [0, 0, 0, 0, 0],
    }
)


def test_dataset_match_rows_join_on_keys_and_match_compared_columns():
    every = 'DatasetMatch "ref" "key->rk" >= 0.4'
    only_a = 'DatasetMatch "ref" "key->rk" "a->a" = 0.6'
    (o1, o2), rows = rows_of(f"{every}, {only_a}", P2, references={"ref": R2})
    # Without a match mapping a and b are compared (extra is not in the primary): key 1 and
    # key 3 (NULL = NULL) match; key 2 differs in a, key 4 in b, key 5 has no partner.
    assert o1.outcome == "Passed" and o1.metrics == {"Dataset.ref.DatasetMatch": 0.4}
    assert verdicts(rows, every) == ["P", "F", "P", "F", "F"]
    # Comparing a only: key 4 matches too.
    assert o2.outcome == "Passed"
    assert verdicts(rows, only_a) == ["P", "F", "P", "P", "F"]


def test_dataset_match_duplicate_or_null_keys_error_and_skip_rows():
    dup = 'DatasetMatch "ref" "id->rid" "s->rs" > 0.1'
    (o,), rows = rows_of(dup, references={"ref": REF})
    assert o.outcome == "Error" and "Provided key map not suitable" in o.message
    assert verdicts(rows, dup) == ["S"] * 6
    # A NULL in one column of a two-column key is unsuitable too (b is NULL for key 4).
    null_key = 'DatasetMatch "ref" "key->rk,b->b" "a" > 0.1'
    (o,), rows = rows_of(null_key, P2, references={"ref": R2})
    assert o.outcome == "Error" and "non-null" in o.message
    assert verdicts(rows, null_key) == ["S"] * 5


# ---- composites -----------------------------------------------------------------------------


def test_composites_with_joined_rules():
    comp = '(ReferentialIntegrity "id" "ref.rid" > 0.4) or (IsComplete "x")'
    (o,), rows = rows_of(comp, references={"ref": REF})
    assert o.outcome == "Passed"
    # Only rid 5 misses the reference and has a NULL x.
    assert verdicts(rows, comp) == ["P", "P", "P", "P", "P", "F"]
    # ROW mode: ReferentialIntegrity is excluded from ROW composites (as Completeness is):
    # the composite is judged column-wise, and says so.
    (o,), _ = rows_of(comp, references={"ref": REF}, composite_mode="row")
    assert o.outcome == "Passed" and "evaluated column-wise" in o.message
    # CustomSql's row form takes part in ROW composites.
    comp = '(CustomSql "select id, s from primary where x >= 2") or (ColumnValues "x" < 1.5)'
    (o,), rows = rows_of(comp, composite_mode="row")
    assert o.outcome == "Failed" and o.message == "1 of 6 rows fail the composite rule"
    assert o.metrics["Dataset.*.CompositeRowCompliance"] == pytest.approx(5 / 6)
    assert verdicts(rows, comp) == ["P", "P", "P", "P", "P", "F"]


def test_explain_shows_the_join_of_a_row_verdict():
    from jupyter_mlkit.quality import explain

    text = explain('Rules = [ ReferentialIntegrity "id" "ref.rid" > 0.5 ]', PRIMARY,
                   references={"ref": REF}, row_level=True)  # fmt: skip
    assert "-- joined into that projection:" in text and "LEFT JOIN (SELECT DISTINCT" in text
