"""The Spark engine: the same ruleset on the same data gives DuckDB's outcomes and row outcomes;
user SQL cannot read files or other tables. One local SparkSession serves the whole module (a JVM
start costs many seconds on this machine); the SQL translation tests need no JVM at all."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from jupyter_mlkit.errors import BadParameters
from jupyter_mlkit.quality import DataError, evaluate, recommend
from jupyter_mlkit.quality.spark_sql import UnsafeSQL, to_spark, user_query

NOW = datetime(2024, 6, 15, 12, 0, 0)
OUT_COLS = [
    "DataQualityRulesPass",
    "DataQualityRulesFail",
    "DataQualityRulesSkip",
    "DataQualityEvaluationResult",
]

# Most rule types, with where clauses, thresholds, NULL/EMPTY keywords, composites, references,
# CustomSql in both forms, and three rules that error (missing column, bad where, type mismatch).
BROAD = r"""Rules = [
  RowCount between 10 and 100, RowCount > 5 where "x > 3", ColumnCount = 7, ColumnExists "s",
  ColumnNamesMatchPattern "[a-z]+",
  Completeness "id" > 0.8, IsComplete "s", IsComplete "id" where "x < 4",
  Uniqueness "id" > 0.5, IsUnique "id", IsPrimaryKey "rid", UniqueValueRatio "id" > 0.5,
  DistinctValuesCount "s" > 3, Entropy "s" > 1, IsUnique "id" "s",
  Mean "x" between 0 and 10, Sum "x" > 0, StandardDeviation "x" < 5, Variance "x" > 0.5,
  ColumnCorrelation "x" "rid" > 0.1,
  ColumnValues "s" in ["a", "b", EMPTY, WHITESPACES_ONLY, NULL],
  ColumnValues "s" in ["A", "B"] with ignoreCase = "true" with threshold > 0.3,
  ColumnValues "s" matches "[a-z]" with threshold > 0.4, ColumnValues "v" matches "\\s*[0-9]+\\s*",
  ColumnValues "x" between 0 and 5, ColumnValues "id" >= 1, ColumnValues "s" != NULL,
  ColumnValues "s" not in ["z", NULL], ColumnValues "day" between "2024-05-31" and "2024-06-20",
  ColumnValues "d" > (now() - 3 days) with threshold > 0.3,
  ColumnLength "s" <= 2, DataFreshness "d" <= 24 hours, DataFreshness "d" <= 5 days where "x > 0",
  ColumnDataType "v" = "Integer" with threshold > 0.5, ColumnDataType "v" = "Double",
  (RowCount > 10) and (IsComplete "x"), (Mean "x" > 100) or (ColumnValues "x" > -5),
  (IsComplete "id") or (ColumnValues "x" between -5 and 5),
  ReferentialIntegrity "id" "reference.id" > 0.5, RowCountMatch "reference" > 1.0,
  AggregateMatch "sum(x)" "sum(reference.x)" > 0.5, SchemaMatch "reference" > 0.1,
  DatasetMatch "reference" "id" "x" > 0.1,
  CustomSql "select count(*) from primary where x < 0" > 0,
  CustomSql "select rid from primary where x > 1" with threshold > 0.5,
  Mean "nope" > 1, RowCount > 0 where "no_such > 1", Mean "s" > 1
]
Analyzers = [ AllStatistics "x" ]"""


def generated(n: int = 40, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Primary and reference tables with NULLs, duplicates, empty and blank strings."""
    rng = np.random.default_rng(seed)
    ids = [int(i) for i in rng.integers(1, n, n)]
    ids[3] = None
    s_pool = np.array(["a", "b", "", "  ", "B", "c", "zz", "ab", "abc"], dtype=object)
    s = list(s_pool[rng.integers(0, len(s_pool), n)])
    s[5] = None
    d = [NOW - timedelta(hours=float(h)) for h in rng.uniform(0, 150, n)]
    d[2] = None
    v_pool = ["1", "22", "x", None, "1.5", " 3 ", "-4", "+5"]
    primary = pd.DataFrame(
        {
            "rid": range(n),
            "id": pd.array(ids, dtype="Int64"),
            "s": s,
            "x": np.round(rng.normal(2.0, 2.5, n), 3),
            "d": pd.to_datetime(d),
            "day": [f"2024-06-{int(k):02d}" for k in rng.integers(1, 30, n)],
            "v": [v_pool[int(k)] for k in rng.integers(0, len(v_pool), n)],
        }
    )
    ref_ids = sorted({i for i in ids if i is not None and i % 3})
    reference = pd.DataFrame(
        {
            "id": pd.array(ref_ids, dtype="Int64"),
            "x": np.round(rng.normal(2.0, 2.5, len(ref_ids)), 3),
        }
    )
    return primary, reference


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("the Spark engine needs a Java runtime")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("mlkit-dq-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.driver.memory", "512m")
        .config("spark.sql.session.timeZone", "UTC")
        # tiny data: compiling whole-stage code and re-planning cost more than they save
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("FATAL")  # analysis errors are expected here
    yield session
    session.stop()


def _lists(rows: pd.DataFrame) -> dict[str, list]:
    return {c: [v if isinstance(v, str) else sorted(v) for v in rows[c]] for c in OUT_COLS}


def assert_same(duck, spark_res, rows: bool = True) -> None:
    assert [o.rule for o in spark_res.outcomes] == [o.rule for o in duck.outcomes]
    for a, b in zip(duck.outcomes, spark_res.outcomes, strict=True):
        assert (a.rule, b.outcome) == (a.rule, a.outcome), (a.message, b.message)
        assert b.metrics.keys() == a.metrics.keys(), a.rule
        for key, value in a.metrics.items():
            assert b.metrics[key] == pytest.approx(value, rel=1e-9, abs=1e-12), (a.rule, key)
    assert spark_res.score == duck.score
    assert spark_res.analyzer_metrics == pytest.approx(duck.analyzer_metrics, rel=1e-9)
    if rows:
        assert list(spark_res.rows["rid"]) == list(duck.rows["rid"])
        assert _lists(spark_res.rows) == _lists(duck.rows)


# ---- conformance with DuckDB ------------------------------------------------------------------


def test_broad_ruleset_gives_duckdbs_outcomes_and_row_outcomes(spark):
    primary, reference = generated()
    duck = evaluate(BROAD, primary, references={"reference": reference}, row_level=True, now=NOW)
    sdf, sref = spark.createDataFrame(primary), spark.createDataFrame(reference)
    res = evaluate(BROAD, sdf, references={"reference": sref}, row_level=True, now=NOW)
    assert_same(duck, res)
    # the data exercises every outcome kind, so agreement is not vacuous
    kinds = {o.outcome for o in res.outcomes}
    assert kinds == {"Passed", "Failed", "Error"}
    assert "no_such" in res.outcomes[-2].message
    # rows differ in the rules they fail (with the joined rules' verdicts every row fails one)
    fails = res.rows["DataQualityRulesFail"].map(len)
    assert fails.min() > 0 and fails.nunique() > 1
    # the run's temp views are gone from the user's session
    assert not [t.name for t in spark.catalog.listTables() if t.name.startswith("__dq_")]


def test_row_composites_files_row_filter_and_table_names(spark, tmp_path):
    primary, reference = generated(n=24, seed=3)
    path = tmp_path / "orders.parquet"
    primary.to_parquet(path, index=False, coerce_timestamps="us")  # Spark reads no nanoseconds
    rules = r"""Rules = [
      (IsComplete "id") and (ColumnValues "x" > -1), (IsUnique "id") or (ColumnLength "s" < 2),
      RowCount > 3, Mean "x" > 0, ColumnValues "s" in ["a", "b", NULL] with threshold > 0.2,
      FileSize > 10 B
    ]"""
    kw = {"now": NOW, "row_level": True, "composite_mode": "row", "row_filter": "x > -2"}
    duck = evaluate(rules, str(path), **kw)
    res = evaluate(rules, str(path), engine="spark", spark=spark, **kw)  # read by spark.read
    assert_same(duck, res)
    assert res.outcomes[0].metrics["Dataset.*.CompositeRowCompliance"] < 1.0
    spark.createDataFrame(reference).createOrReplaceTempView("dq_test_reference")
    res = evaluate(
        'Rules = [ RowCount = 2 where "id < 4", Sum "x" > -100 ]',
        "dq_test_reference",
        engine="spark",
        spark=spark,
    )
    assert res.outcomes[1].outcome == "Passed"
    assert res.outcomes[0].metrics["Dataset.*.RowCount"] == float((reference.id < 4).sum())
    spark.catalog.dropTempView("dq_test_reference")


# Row verdicts of the rules judged against other data: a reference (NULL keys, a duplicate key)
# and CustomSql's returned rows (matched back NULL-safely), alone and inside composites.
CROSS = r"""Rules = [
  ReferentialIntegrity "id" "ref.id" > 0.5, ReferentialIntegrity "id,s" "ref.{id,s}" = 0.5,
  DatasetMatch "ref" "rid->key" >= 0.5, DatasetMatch "ref" "rid->key" "s" >= 0.5,
  DatasetMatch "ref" "id->id" > 0.1,
  CustomSql "select id, s from primary where x > 2" with threshold > 0.6,
  CustomSql "select 1 as nope from primary", CustomSql "select count(*) from primary" > 1,
  (CustomSql "select id, s from primary where x > 2") or (ColumnValues "x" < 1.5),
  (ReferentialIntegrity "id" "ref.id" > 0.4) or (IsComplete "x")
]"""


@pytest.mark.parametrize("mode, row_filter", [("column", None), ("row", "x > 1")])
def test_joined_rules_give_duckdbs_row_outcomes(spark, mode, row_filter):
    primary = pd.DataFrame(
        {
            "rid": [0, 1, 2, 3, 4, 5],
            "id": pd.array([1, 2, 2, None, 3, 4], dtype="Int64"),
            "s": ["a", "b", "b", "c", None, "d"],
            "x": [1.0, 2.0, 2.0, 3.0, 4.0, None],
        }
    )
    ref = pd.DataFrame(
        {
            "key": [0, 1, 2, 3, 7],
            "id": pd.array([1, 2, 2, None, 9], dtype="Int64"),
            "s": ["a", "x", "b", "c", None],
        }
    )
    kw = {"row_level": True, "composite_mode": mode, "row_filter": row_filter, "now": NOW}
    duck = evaluate(CROSS, primary, references={"ref": ref}, **kw)
    res = evaluate(CROSS, spark.createDataFrame(primary),
                   references={"ref": spark.createDataFrame(ref)}, **kw)  # fmt: skip
    assert_same(duck, res)
    lists = _lists(res.rows)
    for col in ("DataQualityRulesPass", "DataQualityRulesFail"):  # not vacuous: verdicts given
        assert any('ReferentialIntegrity "id,s"' in v for row in lists[col] for v in row)
        assert any('DatasetMatch "ref" "rid->key" "s"' in v for row in lists[col] for v in row)
        assert any('where x > 2" with' in v for row in lists[col] for v in row)


# ---- user SQL is confined to the run's datasets ------------------------------------------------


def test_user_sql_cannot_read_files_or_other_tables(spark, tmp_path):
    primary, _ = generated(n=12, seed=5)
    secret = tmp_path / "secret.parquet"
    pd.DataFrame({"token": ["s3cr3t"]}).to_parquet(secret, index=False)
    spark.createDataFrame(pd.DataFrame({"token": ["s3cr3t"]})).createOrReplaceTempView("secret")
    rules = f"""Rules = [
      CustomSql "select count(*) from secret" = 1,
      CustomSql "select count(*) from parquet.`{secret}`" = 1,
      CustomSql "select count(*) from read_files('{secret}')" = 1,
      CustomSql "select count(*) from default.secret" = 1,
      CustomSql "select reflect('java.lang.System', 'getenv', 'HOME')" = 1,
      CustomSql "LOAD DATA LOCAL INPATH '{secret}' INTO TABLE t" = 1,
      CustomSql "select 1; select 2" = 1,
      CustomSql "select count(*) from primary" = 12,
      RowCount = 0 where "x IN (SELECT length(token) FROM secret)",
      RowCount > 0
    ]"""
    res = evaluate(rules, spark.createDataFrame(primary), now=NOW)
    out = [(o.outcome, o.message or "") for o in res.outcomes]
    assert [k for k, _ in out] == ["Error"] * 7 + ["Passed", "Error", "Passed"]
    assert "may not read 'secret'" in out[0][1]
    assert "may not read 'parquet." in out[1][1]
    assert "read_files" in out[2][1]
    assert "may not read 'default.secret'" in out[3][1]
    assert "reflect()" in out[4][1]
    assert "must be one SELECT query" in out[5][1]
    assert "one statement" in out[6][1]
    assert "may not read 'secret'" in out[8][1] and "where" in out[8][1]
    with pytest.raises(ValueError, match="row_filter .* may not read 'secret'"):
        evaluate("Rules = [ RowCount > 0 ]", spark.createDataFrame(primary),
                 row_filter="id IN (SELECT 1 FROM secret)")  # fmt: skip
    spark.catalog.dropTempView("secret")


def test_bad_sql_is_a_rule_error_and_the_other_rules_run(spark):
    primary, _ = generated(n=12, seed=5)
    rules = """Rules = [
      CustomSql "select count(* from primary" = 1,
      CustomSql "select nope from primary" = 1,
      CustomSql "select 'text' from primary limit 1" = 1,
      CustomSql "select 1 as other from primary",
      IsComplete "rid" where "rid >>> 2",
      RowCount = 12,
      Mean "x" > -100 where "CAST(v AS INT) > 0",
      IsComplete "rid"
    ]"""
    res = evaluate(rules, spark.createDataFrame(primary), now=NOW)
    out = [(o.outcome, o.message or "") for o in res.outcomes]
    assert [k for k, _ in out] == ["Error"] * 5 + ["Passed", "Error", "Passed"]
    assert "not valid Spark SQL" in out[0][1]
    assert "CustomSql failed" in out[1][1] and "nope" in out[1][1]
    assert "one numeric value" in out[2][1]
    assert "columns of the primary dataset" in out[3][1]
    assert "rid >>> 2" in out[4][1]
    # Spark's ANSI mode fails the cast of 'x' only while scanning; that rule alone errors
    assert "CAST(v AS INT)" in out[6][1] and "CAST_INVALID_INPUT" in out[6][1]
    slow = "select count(*) from range(3000000000) a where id % 7 = 99"
    res = evaluate(f'Rules = [ CustomSql "{slow}" = 0, RowCount = 12 ]',
                   spark.createDataFrame(primary), custom_sql_timeout=1.0)  # fmt: skip
    assert res.outcomes[0].outcome == "Error" and "time limit of 1 s" in res.outcomes[0].message
    assert res.outcomes[1].outcome == "Passed"


# ---- front doors -------------------------------------------------------------------------------


def test_cli_and_job_run_on_spark(spark, tmp_path, monkeypatch):
    from jupyter_mlkit.cli import main
    from jupyter_mlkit.jobs.kinds import JobContext
    from jupyter_mlkit.jobs.quality_kind import DQ_RUN

    monkeypatch.chdir(tmp_path)
    primary, _ = generated(n=12, seed=5)
    primary.drop(columns="d").to_parquet("data.parquet", index=False)
    (tmp_path / "r.dqdl").write_text('Rules = [ RowCount = 12, IsComplete "id" ]\n')
    cli = CliRunner().invoke(main, ["dq", "run", "r.dqdl", "data.parquet", "--engine", "spark",
                                    "--json", "out.json"])  # fmt: skip
    assert cli.exit_code == 1, cli.output  # IsComplete fails: id has a NULL
    assert "FAIL" in cli.stdout and "score 0.50" in cli.stdout
    assert json.loads((tmp_path / "out.json").read_text())["Score"] == 0.5
    with pytest.raises(BadParameters, match="engine must be"):
        DQ_RUN.validate({"rules": "Rules = [ RowCount > 0 ]", "data": "data.parquet",
                         "engine": "flink"}, tmp_path)  # fmt: skip
    params = DQ_RUN.validate(
        {"rules": "Rules = [ RowCount = 12 ]", "data": "data.parquet", "engine": "spark"}, tmp_path
    )
    art = tmp_path / "art"
    art.mkdir()
    ctx = JobContext("j1", tmp_path, art, lambda f, m: None, lambda m: None)
    summary = DQ_RUN.run(params, ctx)
    assert summary["score"] == 1.0 and summary["rules"][0]["outcome"] == "Passed"
    assert spark.sparkContext._jsc is not None  # the job used, and left running, our session


def test_engine_choice_errors(spark, monkeypatch):
    sdf = spark.createDataFrame(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="engine='spark'"):
        evaluate("Rules = [ RowCount > 0 ]", sdf, engine="duckdb")
    with pytest.raises(ValueError, match="'duckdb' or 'spark'"):
        evaluate("Rules = [ RowCount > 0 ]", sdf, engine="polars")
    with pytest.raises(DataError, match="run on DuckDB only"):
        recommend(sdf)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # as if pyspark were not installed
    with pytest.raises(ImportError, match=r"jupyter-mlkit\[spark\]"):
        evaluate("Rules = [ RowCount > 0 ]", pd.DataFrame({"a": [1]}), engine="spark")


# ---- translation and guard (no JVM) ------------------------------------------------------------


def test_translation_of_duckdb_only_constructs():
    sql = to_spark(
        r"""SELECT regexp_full_match(CAST("s" AS VARCHAR), '\d+'),
        epoch(TIMESTAMP '2024-01-01 00:00:00'),
        count(*) FILTER (WHERE x > 1) OVER (PARTITION BY "a"),
        row_number() OVER () FROM "t" GROUP BY ALL""",
        {"t"},
    )
    assert "RLIKE '^(?:\\\\d+)\\\\z'" in sql  # anchored, backslashes escaped for Spark
    assert "UNIX_MICROS(CAST(CAST('2024-01-01 00:00:00' AS TIMESTAMP" in sql
    assert "COUNT(CASE WHEN x > 1 THEN 1 END) OVER (PARTITION BY `a`)" in sql
    assert "MONOTONICALLY_INCREASING_ID()" in sql and "ROW_NUMBER" not in sql
    assert "GROUP BY ALL" in sql and "FROM `t`" in sql


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select * from other", "may not read 'other'"),
        ("select * from parquet.`/etc/passwd`", "may not read 'parquet./etc/passwd'"),
        ("select * from read_files('/x')", "read_files"),
        ("select * from t where a in (select * from spark_catalog.db.u)", "may not read"),
        ("select java_method('java.lang.Math', 'random')", "java_method()"),
        ("insert into t select * from t", "must be one SELECT"),
        ("drop table t", "must be one SELECT"),
        ("ADD JAR /tmp/x.jar", "must be one SELECT"),
        ("select 1; select 2", "one statement"),
        ("select transform(a) using 'cat /etc/passwd' as (x) from t", "may not run scripts"),
        ("select * from identifier('other')", "may not read from identifier"),
        # a CTE named like a real table does not open that table outside the CTE's scope
        (
            "select (with other as (select 1) select * from other), (select * from other)",
            "may not read 'other'",
        ),  # fmt: skip
    ],
)
def test_guard_refuses_anything_but_a_query_of_the_runs_views(sql, message):
    with pytest.raises(UnsafeSQL, match=message.replace("(", r"\(").replace(")", r"\)")):
        user_query(sql, {"t"})


def test_guard_allows_ctes_joins_and_subqueries_of_the_runs_views():
    sql = "with c as (select a from t) select count(*) from c join u on c.a = u.a where a > 0"
    assert "FROM c JOIN u" in user_query(sql, {"t", "u"})
    assert "RANGE(10)" in user_query("select count(*) from range(10)", set()).upper()
    with pytest.raises(UnsafeSQL):
        to_spark("SELECT * FROM read_parquet('/etc/x')", {"t"})
