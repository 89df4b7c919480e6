"""How the engine picks and uses Spark: the session to run on, and finding the rules whose
SQL fails without scanning the data once per rule. (pyspark is imported only when needed.)"""

from __future__ import annotations

from typing import Any

from .plan import LeafPlan, SQLError, sql_error

ENGINES = ("duckdb", "spark")
MISSING = (
    "the Spark engine needs pyspark and sqlglot: pip install 'jupyter-mlkit[spark]' "
    "(the 'spark' extra installs both)"
)


def require_pyspark() -> Any:
    """The ``pyspark.sql`` module; an ImportError naming the extra when it is missing."""
    try:
        import pyspark.sql
        import sqlglot  # noqa: F401 - the translation to Spark SQL
    except ImportError:
        raise ImportError(MISSING) from None
    return pyspark.sql


def is_spark_dataframe(obj: Any) -> bool:
    """True for a pyspark DataFrame (classic or Spark Connect), without importing pyspark."""
    mod = type(obj).__module__
    return mod.startswith("pyspark.sql") and type(obj).__name__ == "DataFrame"


def choose_session(engine: str | None, spark: Any, data: Any) -> Any:
    """The SparkSession to run on, or None for DuckDB."""
    spark_data = is_spark_dataframe(data)
    if engine is None:
        engine = "spark" if (spark is not None or spark_data) else "duckdb"
    if engine not in ENGINES:
        raise ValueError(f"engine must be 'duckdb' or 'spark', not {engine!r}")
    if engine == "duckdb":
        if spark_data:
            raise ValueError("data is a Spark DataFrame: evaluate it with engine='spark'")
        return None
    sql = require_pyspark()
    if spark is None and spark_data:
        spark = data.sparkSession
    if spark is None:
        spark = sql.SparkSession.getActiveSession()
    if spark is None:
        raise ValueError(
            "engine='spark' needs a SparkSession: pass spark=<session> "
            "(jupyter_mlkit.quality.spark.local_session() makes a local one)"
        )
    return spark


def isolate_spark(run, live: list[LeafPlan]) -> dict[str, Any]:
    """On Spark a scan per rule is slow but analysis is cheap: find the failing rules by
    analysing their SQL (rules with a where clause first: user SQL is the usual cause),
    then scan once for the rest."""
    suspects = [p for p in live if p.rule.where]
    for group in (suspects, [p for p in live if not p.rule.where]):
        for p in group:
            one = run.aggregate_sql([p])
            if one is None:
                continue
            try:
                run.con.analyze(one)
            except SQLError as exc:
                p.error = sql_error(p.rule, exc)
        rest = [p for p in live if p.error is None]
        sql = run.aggregate_sql(rest)
        if sql is None:
            return {}
        try:
            run.con.analyze(sql)
        except SQLError:
            continue  # the culprit is among the other rules
        break
    try:
        values = run._fetch(sql)
    except SQLError:
        # A failure only the scan shows (an ANSI cast in a where clause): scan the rules
        # without a where clause together and the others one by one.
        return run._isolate([p for p in rest if p.rule.where], run._fetch_all(
            [p for p in rest if not p.rule.where]))  # fmt: skip
    values.update({a: values[b] for a, b in run.agg_alias.items()})
    return values
