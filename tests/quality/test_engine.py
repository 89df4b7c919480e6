"""Evaluation semantics on small tables with hand-computed expectations."""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jupyter_mlkit.quality import DataError, evaluate, explain

NOW = datetime(2024, 6, 15, 12, 0, 0)


@pytest.fixture
def df():
    # id: 1,2,3,3,NULL (a duplicate and a NULL); s: "a","b","",NULL,"  "; x: 1..5
    return pd.DataFrame(
        {
            "id": pd.array([1, 2, 3, 3, None], dtype="Int64"),
            "s": ["a", "b", "", None, "  "],
            "x": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )


def outcome(rules: str, data, **kw):
    res = evaluate(f"Rules = [ {rules} ]", data, now=NOW, **kw)
    assert len(res.outcomes) == 1
    return res.outcomes[0]


def test_row_count_and_between_is_exclusive(df):
    assert outcome("RowCount = 5", df).outcome == "Passed"
    assert outcome("RowCount between 1 and 5", df).outcome == "Failed"
    assert outcome("RowCount between 1 and 6", df).metrics == {"Dataset.*.RowCount": 5.0}
    o = outcome('RowCount = 2 where "x > 3"', df)
    assert o.outcome == "Passed" and o.metrics["Dataset.*.RowCount"] == 2.0


def test_completeness_counts_nulls_only(df):
    o = outcome('Completeness "id" = 0.8', df)
    assert o.outcome == "Passed" and o.metrics["Column.id.Completeness"] == 0.8
    # "" and whitespace are values, not missing: 4 of 5
    assert outcome('Completeness "s" = 0.8', df).outcome == "Passed"
    o = outcome('IsComplete "id"', df)
    assert o.outcome == "Failed" and "NULL" in o.message
    assert outcome('IsComplete "x"', df).outcome == "Passed"
    assert outcome('IsComplete "id" where "x < 4"', df).outcome == "Passed"


def test_uniqueness_family_on_duplicates_and_nulls(df):
    # non-null ids 1,2,3,3: values seen once = 2 rows of 4
    o = outcome('Uniqueness "id" = 0.5', df)
    assert o.outcome == "Passed" and o.metrics["Column.id.Uniqueness"] == 0.5
    assert outcome('IsUnique "id"', df).outcome == "Failed"
    assert outcome('IsUnique "id" where "x <> 4"', df).outcome == "Passed"  # NULL ignored
    # UniqueValueRatio: 2 unique values of 3 distinct
    o = outcome('UniqueValueRatio "id" > 0.66', df)
    assert o.metrics["Column.id.UniqueValueRatio"] == pytest.approx(2 / 3)
    assert outcome('DistinctValuesCount "id" = 3', df).outcome == "Passed"
    o = outcome('Entropy "id" > 1', df)
    expected = -(2 * 0.25 * math.log(0.25) + 0.5 * math.log(0.5))
    assert o.metrics["Column.id.Entropy"] == pytest.approx(expected)
    o = outcome('IsPrimaryKey "id"', df)
    assert o.outcome == "Failed" and "NULL" in o.message and "unique" in o.message
    assert outcome('IsPrimaryKey "x"', df).outcome == "Passed"
    assert outcome('IsUnique "id" "x"', df).outcome == "Passed"
    o = outcome('Uniqueness "id" "s" = 1.0', df)
    assert o.metrics["Multicolumn.id,s.Uniqueness"] == 1.0


def test_statistics_population_std_and_variance(df):
    assert outcome('Mean "x" = 3.0', df).outcome == "Passed"
    assert outcome('Sum "x" = 15.0', df).outcome == "Passed"
    o = outcome('StandardDeviation "x" > 1.41', df)
    assert o.metrics["Column.x.StandardDeviation"] == pytest.approx(math.sqrt(2))
    assert outcome('Variance "x" = 2.0', df).outcome == "Passed"
    o = outcome('Mean "id" between 2.2 and 2.3', df)  # nulls ignored: 9/4
    assert o.metrics["Column.id.Mean"] == 2.25
    o = outcome('ColumnCorrelation "x" "x" > 0.99', df)
    assert o.metrics["Multicolumn.x,x.ColumnCorrelation"] == pytest.approx(1.0)


def test_column_values_null_empty_and_whitespace(df):
    # s = "a","b","",NULL,"  "
    assert outcome('ColumnValues "s" in ["a","b"]', df).outcome == "Failed"
    o = outcome('ColumnValues "s" in ["a","b",EMPTY,WHITESPACES_ONLY,NULL]', df)
    assert o.outcome == "Passed" and o.metrics["Column.s.ColumnValues.Compliance"] == 1.0
    o = outcome('ColumnValues "s" in ["a","b"] with threshold = 0.4', df)
    assert o.outcome == "Passed"
    assert outcome('ColumnValues "s" = EMPTY with threshold = 0.2', df).outcome == "Passed"
    assert outcome('ColumnValues "s" = WHITESPACES_ONLY with threshold = 0.2', df).outcome == (
        "Passed"
    )
    # != and not in let NULL rows pass unless NULL is listed
    o = outcome('ColumnValues "s" != "z"', df)
    assert o.outcome == "Passed"
    o = outcome('ColumnValues "s" not in ["z", NULL]', df)
    assert o.metrics["Column.s.ColumnValues.Compliance"] == 0.8
    o = outcome('ColumnValues "s" = NULL with threshold = 0.2', df)
    assert o.outcome == "Passed"
    o = outcome('ColumnValues "s" != NULL', df)
    assert o.metrics["Column.s.ColumnValues.Compliance"] == 0.8
    o = outcome('ColumnValues "s" matches "[a-z]" with threshold = 0.4', df)
    assert o.outcome == "Passed"  # NULL fails matches
    o = outcome('ColumnValues "s" in ["A","B"] with ignoreCase = "true" with threshold = 0.4', df)
    assert o.outcome == "Passed"


def test_column_values_numbers_and_failure_message(df):
    o = outcome('ColumnValues "x" between 0 and 5', df)
    assert o.outcome == "Failed"
    assert o.message.startswith("Value: 5.0 does not meet the constraint requirement!")
    assert o.metrics["Column.x.Minimum"] == 1.0 and o.metrics["Column.x.Maximum"] == 5.0
    assert outcome('ColumnValues "x" in [1,2,3,4,5]', df).outcome == "Passed"
    assert outcome('ColumnValues "x" > 1 with threshold >= 0.8', df).outcome == "Passed"
    assert outcome('ColumnValues "x" > 1 with threshold > 0.8', df).outcome == "Failed"
    # NULL ids fail a range check
    o = outcome('ColumnValues "id" >= 1', df)
    assert o.metrics["Column.id.ColumnValues.Compliance"] == 0.8


def test_type_mismatch_and_missing_column_are_errors_while_others_run(df):
    res = evaluate(
        'Rules = [ ColumnValues "s" > 3, Mean "s" > 1, Sum "nope" > 1, RowCount = 5 ]', df
    )
    kinds = [o.outcome for o in res.outcomes]
    assert kinds == ["Error", "Error", "Error", "Passed"]
    assert "type mismatch" in res.outcomes[0].message
    assert "numeric" in res.outcomes[1].message
    assert "'nope' does not exist" in res.outcomes[2].message
    assert res.score == 0.25


def test_bad_where_clause_errors_only_that_rule(df):
    res = evaluate('Rules = [ RowCount > 0 where "no_such > 1", Mean "x" = 3.0 ]', df)
    assert res.outcomes[0].outcome == "Error" and "no_such" in res.outcomes[0].message
    assert res.outcomes[1].outcome == "Passed"


def test_column_length_null_is_zero(df):
    o = outcome('ColumnLength "s" <= 2', df)
    assert o.outcome == "Passed"
    assert o.metrics == {"Column.s.MinimumLength": 0.0, "Column.s.MaximumLength": 2.0}
    assert outcome('ColumnLength "s" > 0', df).outcome == "Failed"  # "" and NULL are 0
    assert outcome('ColumnLength "s" between 0 and 3', df).outcome == "Failed"  # exclusive


def test_dates_freshness_and_now():
    data = pd.DataFrame(
        {
            "d": pd.to_datetime(["2024-06-15 10:00", "2024-06-14 13:00", None]),
            "day": ["2024-06-01", "2024-06-10", "2024-06-30"],
        }
    )
    o = outcome('DataFreshness "d" <= 24 hours', data)
    assert o.outcome == "Failed"  # the NULL row fails
    assert o.metrics["Column.d.DataFreshness.Compliance"] == pytest.approx(2 / 3)
    assert outcome('DataFreshness "d" <= 1 days where "d IS NOT NULL"', data).outcome == "Passed"
    assert outcome('DataFreshness "d" < 23 hours where "d IS NOT NULL"', data).outcome == "Failed"
    o = outcome('ColumnValues "d" > (now() - 1 days) with threshold = 2', data)
    assert o.metrics["Column.d.ColumnValues.Compliance"] == pytest.approx(2 / 3)
    assert outcome('ColumnValues "day" between "2024-05-31" and "2024-07-01"', data).outcome == (
        "Passed"
    )
    assert outcome('ColumnValues "day" > "2024-06-01"', data).outcome == "Failed"


def test_column_data_type_on_strings():
    data = pd.DataFrame({"v": ["1", "22", "x", None, "1.5"]})
    o = outcome('ColumnDataType "v" = "Integer" with threshold = 0.6', data)
    assert o.outcome == "Passed"  # 1, 22 and NULL fit; x and 1.5 do not
    assert outcome('ColumnDataType "v" = "Double" with threshold = 0.8', data).outcome == "Passed"
    assert outcome('ColumnDataType "v" = "String"', data).outcome == "Passed"
    o = outcome('ColumnDataType "v" = "Blob"', data)
    assert o.outcome == "Error" and "unknown data type" in o.message


def test_dataset_rules_and_composites(df):
    assert outcome("ColumnCount = 3", df).outcome == "Passed"
    assert outcome('ColumnExists "s"', df).outcome == "Passed"
    assert outcome('ColumnExists "t"', df).outcome == "Failed"
    o = outcome('ColumnNamesMatchPattern "[a-z]+"', df)
    assert o.outcome == "Passed" and o.metrics["Dataset.*.ColumnNamesPatternMatchRatio"] == 1.0
    o = outcome('(RowCount = 5) and (IsComplete "id")', df)
    assert o.outcome == "Failed" and "NULL" in o.message
    o = outcome('(RowCount = 4) or ((IsComplete "x") and (Mean "x" = 3.0))', df)
    assert o.outcome == "Passed"
    assert o.metrics["Column.x.Mean"] == 3.0 and o.metrics["Dataset.*.RowCount"] == 5.0


def test_reference_rules():
    primary = pd.DataFrame({"k": [1, 2, 3, None], "v": [10, 20, 30, 40]})
    ref = pd.DataFrame({"k": [1, 2, 5], "v": [10, 21, 50]})
    refs = {"reference": ref}
    o = outcome('ReferentialIntegrity "k" "reference.k" = 0.5', primary, references=refs)
    assert o.outcome == "Passed"  # 2 of 4 (the NULL key is a miss)
    assert o.metrics == {"Column.reference.ReferentialIntegrity": 0.5}
    o = outcome('RowCountMatch "reference" > 1.3', primary, references=refs)
    assert o.metrics["Dataset.reference.RowCountMatch"] == pytest.approx(4 / 3)
    o = outcome('SchemaMatch "reference" = 0.5', primary, references=refs)
    assert o.outcome == "Passed"  # k is DOUBLE in primary (NaN), BIGINT in reference
    o = outcome('AggregateMatch "sum(v)" "sum(reference.v)" = 1.0', primary, references=refs)
    assert o.outcome == "Failed"  # 100 / 81 != 1
    assert o.metrics["Column.v.AggregateMatch"] == pytest.approx(100 / 81)
    p2 = pd.DataFrame({"id": [1, 2, 3], "a": [1, 2, 3]})
    r2 = pd.DataFrame({"rid": [1, 2, 4], "b": [1, 5, 3]})
    o = outcome('DatasetMatch "ref" "id->rid" "a->b" = 0.3333333333333333', p2,
                references={"ref": r2})  # fmt: skip
    assert o.outcome == "Passed"  # only id 1 joins and matches
    o = outcome('RowCountMatch "missing" = 1.0', primary, references=refs)
    assert o.outcome == "Error" and "'missing' was not given" in o.message


def test_custom_sql_primary_is_rewritten_and_sandboxed(df, tmp_path):
    assert outcome('CustomSql "select count(*) from primary" = 5', df).outcome == "Passed"
    o = outcome('CustomSql "SELECT id FROM primary WHERE x > 1" with threshold = 0.8', df)
    assert o.outcome == "Passed"
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    o = outcome(f"CustomSql \"select count(*) from read_csv('{secret}')\" = 1", df)
    assert o.outcome == "Error" and "disabled" in o.message.lower()
    o = outcome("CustomSql \"ATTACH 'x.db' AS x\" = 1", df)
    assert o.outcome == "Error"
    o = outcome('CustomSql "select 1 as nope from primary"', df)
    assert o.outcome == "Error" and "columns of the primary dataset" in o.message


def test_custom_sql_time_limit(df):
    slow = "select count(*) from range(100000000) a, range(100000) b where a.range + b.range < 0"
    o = outcome(f'CustomSql "{slow}" = 0', df, custom_sql_timeout=0.5)
    assert o.outcome == "Error" and "time limit" in o.message


def test_files_parquet_csv_jsonl_and_glob(tmp_path, df):
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, tmp_path / "a.parquet")
    pq.write_table(table, tmp_path / "b.parquet")
    df.to_csv(tmp_path / "c.csv", index=False)
    df.to_json(tmp_path / "d.jsonl", orient="records", lines=True)
    rules = 'Rules = [ RowCount = 10, IsUnique "x" ]'
    res = evaluate(rules, str(tmp_path / "*.parquet"))
    assert [o.outcome for o in res.outcomes] == ["Passed", "Failed"]
    assert evaluate("Rules = [ RowCount = 5 ]", tmp_path / "c.csv").score == 1.0
    assert evaluate('Rules = [ Mean "x" = 3.0 ]', str(tmp_path / "d.jsonl")).score == 1.0
    assert evaluate('Rules = [ Mean "x" = 3.0 ]', table).score == 1.0
    # CustomSql reads registered Arrow data even though the sandbox cannot open files
    res = evaluate('Rules = [ CustomSql "select sum(x) from primary" = 30 ]',
                   str(tmp_path / "*.parquet"))  # fmt: skip
    assert res.score == 1.0


def test_unreadable_and_empty_files_give_clear_errors(tmp_path):
    with pytest.raises(DataError, match="no file matches"):
        evaluate("Rules = [ RowCount > 0 ]", str(tmp_path / "none*.parquet"))
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DataError, match="is empty"):
        evaluate("Rules = [ RowCount > 0 ]", str(tmp_path / "e.csv"))
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(DataError, match="cannot read"):
        evaluate("Rules = [ RowCount > 0 ]", str(tmp_path / "bad.parquet"))
    with pytest.raises(DataError, match="unsupported data"):
        evaluate("Rules = [ RowCount > 0 ]", 42)


def test_row_level_outcomes(df):
    res = evaluate(
        'Rules = [ IsComplete "id", ColumnValues "x" < 5, RowCount = 5, '
        'IsUnique "id" where "x > 1" ]',
        df,
        row_level=True,
    )
    rows = res.rows
    assert list(rows.columns[:3]) == ["id", "s", "x"] and len(rows) == 5
    assert list(rows["DataQualityEvaluationResult"]) == [
        "Passed",
        "Passed",
        "Failed",
        "Failed",
        "Failed",
    ]
    assert list(rows["DataQualityRulesFail"][4]) == ['IsComplete "id"', 'ColumnValues "x" < 5']
    # dataset-level rules and rows left out by where are skipped
    assert list(rows["DataQualityRulesSkip"][0]) == ["RowCount = 5", 'IsUnique "id" where "x > 1"']
    assert 'IsUnique "id" where "x > 1"' in list(rows["DataQualityRulesFail"][2])
    agg = res.to_dict()["AggregatedMetrics"]
    assert agg["TotalRowsPassed"] == 2 and agg["TotalRowsFailed"] == 3


def test_to_dict_has_glue_shape(df):
    res = evaluate('Rules = [ RowCount = 5, IsComplete "id" labels=["team"="a"] ]', df)
    d = res.to_dict()
    assert d["Score"] == 0.5
    r1, r2 = d["RuleResults"]
    assert r1 == {
        "Name": "Rule_1",
        "Description": "RowCount = 5",
        "Result": "PASS",
        "EvaluatedMetrics": {"Dataset.*.RowCount": 5.0},
        "EvaluatedRule": "RowCount = 5",
    }
    assert r2["Result"] == "FAIL" and r2["Labels"] == {"team": "a"}
    assert "EvaluationMessage" in r2
    assert res.exit_code == 1


def test_analyzers_report_metrics_without_scoring(df):
    res = evaluate('Rules = [ RowCount = 5 ] Analyzers = [ AllStatistics "x", Completeness "s" ]',
                   df)  # fmt: skip
    assert res.score == 1.0 and len(res.outcomes) == 1
    m = res.analyzer_metrics
    assert m["Column.x.Mean"] == 3.0 and m["Column.x.Maximum"] == 5.0
    assert m["Column.s.Completeness"] == 0.8 and m["Dataset.*.RowCount"] == 5.0


def test_explain_shows_one_aggregate_query(df):
    text = explain('Rules = [ RowCount = 5, Mean "x" > 1, IsUnique "id", Sum "zz" > 1 ]', df)
    assert text.count("-- one aggregate query") == 1
    assert 'avg("x")' in text and "GROUP BY" in text
    assert "'zz' does not exist" in text


def test_progress_is_reported(df):
    seen = []
    evaluate("Rules = [ RowCount = 5 ]", df, progress=lambda f, m: seen.append(f),
             memory_limit="256MB")  # fmt: skip
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_row_mode_composites_follow_the_glue_docs_example():
    data = pd.DataFrame({"myCol1": [2, 0], "myCol2": [1, 3]})
    rule = '(ColumnValues "myCol1" > 1) OR (ColumnValues "myCol2" > 2)'
    assert outcome(rule, data).outcome == "Failed"
    o = outcome(rule, data, composite_mode="row")
    assert o.outcome == "Passed" and o.metrics["Dataset.*.CompositeRowCompliance"] == 1.0
    o = outcome('(ColumnValues "myCol1" > 1) AND (ColumnValues "myCol2" > 2)', data,
                composite_mode="row")  # fmt: skip
    assert o.outcome == "Failed" and "2 of 2 rows" in o.message
    # Completeness has no per-row verdict in ROW composites: judged column-wise, and said so
    o = outcome('(Completeness "myCol1" > 0.5) OR (RowCount = 9)', data, composite_mode="row")
    assert o.outcome == "Passed" and "column-wise" in o.message


def test_file_rules_on_local_files(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("x\n1\n2\n")
    b = tmp_path / "b.csv"
    b.write_text("x\n1\n2\n")
    import hashlib

    md5 = hashlib.md5(a.read_bytes()).hexdigest()
    res = evaluate(
        f"Rules = [ FileSize < 1 KB, FileSize > 100 B, FileFreshness > (now() - 1 days), "
        f'FileMatch "{a}" "{b}", FileMatch in ["{md5}"], FileUniqueness "{tmp_path}" = 0.5, '
        f'FileSize "s3://bucket/x" > 1 B ]',
        str(a),
    )
    assert [o.outcome for o in res.outcomes] == [
        "Passed",
        "Failed",
        "Passed",
        "Passed",
        "Passed",
        "Passed",
        "Error",
    ]
    assert "S3 paths" in res.outcomes[6].message
