"""The Spark engine: the DuckDB engine's plans, run through a user's SparkSession.

:class:`SparkConnection` offers the part of DuckDB's connection API the engine uses
(``execute(sql)`` with ``description``/``fetchall``/``fetchone``/``df``): each statement is
transpiled to Spark SQL and checked by :mod:`.spark_sql` first. The datasets (Spark DataFrames,
catalog tables, files read with ``spark.read``, or pandas/Arrow data) become temp views whose
names are unique to the run, so runs sharing a session do not collide, and are dropped at the
end. pyspark (the optional ``spark`` extra) is never imported at module level.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .plan import RuleError, SQLError
from .sandbox import primary_columns, rewrite_primary
from .sources import _FORMATS, DataError, Source, _files, qident
from .spark_run import is_spark_dataframe, require_pyspark
from .spark_sql import UnsafeSQL, to_spark, user_query


def local_session(app_name: str = "mlkit-dq") -> Any:
    """A local SparkSession (all cores), made on demand for the CLI and jobs."""
    sql = require_pyspark()
    builder = sql.SparkSession.builder.master("local[*]").appName(app_name)
    return builder.config("spark.ui.enabled", "false").getOrCreate()


def job_session(app_name: str = "mlkit-dq-job") -> tuple[Any, bool]:
    """(session, created): the active session if the process has one, else a new local one
    (``created`` tells the caller to stop it when done)."""
    sql = require_pyspark()
    active = sql.SparkSession.getActiveSession()
    if active is not None:
        return active, False
    return local_session(app_name), True


_QUERY_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


@contextmanager
def _quiet():
    """pyspark logs every failing query with its stack; the engine reports these errors itself
    (as rule outcomes), so the logs would only be noise."""
    loggers = [logging.getLogger(n) for n in _QUERY_LOGGERS]
    before = [lg.disabled for lg in loggers]
    for lg in loggers:
        lg.disabled = True
    try:
        yield
    finally:
        for lg, was in zip(loggers, before, strict=True):
            lg.disabled = was


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_TYPES = {
    "bigint": "BIGINT",
    "int": "INTEGER",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "timestamp_ntz": "TIMESTAMP",
    "binary": "BLOB",
}


def duck_type(spark_type: Any) -> str:
    """The DuckDB name of a Spark type (the rule builders reason in DuckDB types)."""
    s = spark_type.simpleString()
    if s in _TYPES:
        return _TYPES[s]
    if s.startswith(("varchar", "char")):
        return "VARCHAR"
    return s.upper()  # decimal(p,s) -> DECIMAL(P,S); nested types keep Spark's spelling


class _Cursor:
    def __init__(self, df: Any):
        self._df = df
        self.description = [(name,) for name in df.columns]

    def fetchall(self) -> list[tuple]:
        try:
            with _quiet():
                return [tuple(r) for r in self._df.collect()]
        except Exception as exc:  # Spark's errors come from py4j or pyspark.errors
            raise SQLError(_first_line(exc)) from None

    def fetchone(self) -> tuple | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def df(self):
        try:
            with _quiet():
                return self._df.toPandas()
        except Exception as exc:
            raise SQLError(_first_line(exc)) from None


class SparkConnection:
    """DuckDB-connection look-alike over a SparkSession (see the module docs)."""

    def __init__(self, spark: Any):
        self.spark = spark
        self.run_id = uuid.uuid4().hex[:10]
        self.views: set[str] = set()

    def view_name(self, base: str) -> str:
        return f"__dq_{self.run_id}_{base.strip('_')}"

    def spark_sql(self, sql: str) -> str:
        try:
            return to_spark(sql, self.views)
        except UnsafeSQL as exc:
            raise SQLError(str(exc)) from None
        except Exception as exc:  # sqlglot's parse/generate errors
            raise SQLError(f"cannot translate to Spark SQL: {_first_line(exc)}") from None

    def _frame(self, spark_sql: str) -> Any:
        try:
            with _quiet():
                return self.spark.sql(spark_sql)  # analysis only: no job runs yet
        except Exception as exc:
            raise SQLError(_first_line(exc)) from None

    def execute(self, sql: str) -> _Cursor:
        return _Cursor(self._frame(self.spark_sql(sql)))

    def analyze(self, sql: str) -> None:
        """Check a statement (translation, guard, Spark's analysis) without scanning data."""
        self._frame(self.spark_sql(sql))

    def sql(self, sql: str) -> Any:
        """The Spark DataFrame of a DuckDB statement (lazy)."""
        return self._frame(self.spark_sql(sql))

    def register_frame(self, name: str, df: Any) -> None:
        df.createOrReplaceTempView(name)
        self.views.add(name)

    def create_view(self, name: str, select_sql: str) -> None:
        self.register_frame(name, self.sql(select_sql))

    def close(self) -> None:
        for name in self.views:
            try:
                self.spark.catalog.dropTempView(name)
            except Exception:  # the session may already be stopped
                pass
        self.views.clear()


def _read_files(spark: Any, files: list[str], fmt: str) -> Any:
    reader = spark.read
    if fmt == "parquet":
        return reader.parquet(*files)
    if fmt == "csv":
        sep = "\t" if all(f.lower().endswith(".tsv") for f in files) else ","
        return reader.csv(files, header=True, inferSchema=True, sep=sep)
    return reader.json(files)


def _read_remote(spark: Any, uris: list[str]) -> Any:
    """URIs (s3a://, hdfs://, abfss://, file://) are read by Spark itself, on the cluster."""
    fmts = set()
    for uri in uris:
        last = uri.rstrip("/").rsplit("/", 1)[-1]
        fmts.add(_FORMATS.get(Path(last).suffix.lower()))
    if None in fmts or len(fmts) != 1:
        raise DataError(
            f"cannot tell the file format of {uris[0]}: end each URI with .parquet, .csv or "
            ".jsonl (a glob such as s3a://bucket/data/*.parquet works)"
        )
    fmt = fmts.pop()
    try:
        return _read_files(spark, uris, fmt)
    except Exception as exc:
        raise DataError(f"cannot read {uris[0]} as {fmt}: {_first_line(exc)}") from None


def _is_table(spark: Any, name: str) -> bool:
    try:
        return bool(spark.catalog.tableExists(name))
    except Exception:
        return False


def register_spark(con: SparkConnection, base: str, data: Any) -> Source:
    """Make ``data`` a temp view on ``con``'s session; the Source speaks in DuckDB types."""
    spark = con.spark
    name = con.view_name(base)
    paths: list[str] = []
    fmt = None
    if isinstance(data, Source):
        data = data.obj if data.obj is not None else data.paths
    if is_spark_dataframe(data):
        df = data
    elif isinstance(data, (str, os.PathLike)) or (
        isinstance(data, list) and data and isinstance(data[0], (str, os.PathLike))
    ):
        specs = [str(d) for d in (data if isinstance(data, list) else [data])]
        if any("://" in s for s in specs):
            df, fmt = _read_remote(spark, specs), None
            con.register_frame(name, df)
            cols = {f.name: duck_type(f.dataType) for f in df.schema.fields}
            return Source(qident(name), cols, obj=df)
        # Absolute: Spark resolves relative paths against the JVM's directory, not ours.
        paths = [os.path.abspath(f) for s in specs for f in _files(s)]
        if not paths and len(specs) == 1 and _is_table(spark, specs[0]):
            df = spark.table(specs[0])
        elif not paths:
            raise DataError(f"no file or Spark table matches {', '.join(specs)}")
        else:
            fmts = {_FORMATS.get(Path(f).suffix.lower()) for f in paths}
            if None in fmts or len(fmts) != 1:
                raise DataError(
                    f"cannot tell the file format of {paths[0]}: use .parquet, .csv or .jsonl "
                    "files (one format per dataset)"
                )
            fmt = fmts.pop()
            empty = [f for f in paths if os.path.getsize(f) == 0]
            if empty:
                raise DataError(f"{empty[0]} is empty")
            try:
                df = _read_files(spark, paths, fmt)
            except Exception as exc:
                raise DataError(f"cannot read {paths[0]} as {fmt}: {_first_line(exc)}") from None
    else:
        pdf = _to_pandas(data)
        try:
            df = spark.createDataFrame(pdf)
        except Exception as exc:  # e.g. an empty frame whose types Spark cannot infer
            raise DataError(
                f"cannot turn the data into a Spark DataFrame: {_first_line(exc)}"
            ) from None
    con.register_frame(name, df)
    cols = {f.name: duck_type(f.dataType) for f in df.schema.fields}
    return Source(qident(name), cols, paths=paths, obj=df, file_format=fmt)


def _to_pandas(data: Any) -> Any:
    mod = type(data).__module__
    if mod.startswith("pandas"):
        return data
    if mod.startswith("pyarrow") or mod.startswith("polars"):
        return data.to_pandas()
    if isinstance(data, dict):
        import pandas as pd

        return pd.DataFrame(data)
    raise DataError(
        f"unsupported data of type {type(data).__name__}: pass a Spark DataFrame, a table name, "
        "a path/glob of CSV, Parquet or JSON-lines files, or a pandas DataFrame / pyarrow Table"
    )


class SparkSandbox:
    """CustomSql on Spark: parsed as Spark SQL, allowed to read only this run's views."""

    def __init__(self, con: SparkConnection, primary: Source, references: dict[str, Source],
                 timeout_s: float = 30.0):  # fmt: skip
        self.con = con
        self.timeout_s = timeout_s
        self.columns = list(primary.columns)
        self.primary = primary.table.strip('"')
        self.aliases = {"primary": self.primary}
        self.aliases.update({a: s.table.strip('"') for a, s in references.items()})

    def _collect(self, df: Any) -> list[tuple]:
        """Collect with a time limit: the job group is cancelled when it runs out."""
        try:
            sc = self.con.spark.sparkContext
        except Exception:  # Spark Connect has no SparkContext: no time limit there
            sc = None
        group = f"mlkit-dq-{uuid.uuid4().hex[:8]}"
        timer = None
        try:
            if sc is not None:
                sc.setJobGroup(group, "mlkit CustomSql", interruptOnCancel=True)
                timer = threading.Timer(self.timeout_s, sc.cancelJobGroup, args=(group,))
                timer.start()
            with _quiet():
                return [tuple(r) for r in df.collect()]
        except Exception as exc:
            if timer is not None and not timer.is_alive():
                raise RuleError(
                    f"CustomSql exceeded its time limit of {self.timeout_s:g} s"
                ) from None
            raise RuleError(f"CustomSql failed: {_first_line(exc)}") from None
        finally:
            if timer is not None:
                timer.cancel()
            if sc is not None:
                sc.setLocalProperty("spark.jobGroup.id", None)

    def _frame(self, query: str) -> Any:
        try:
            with _quiet():
                return self.con.spark.sql(query)
        except Exception as exc:
            raise RuleError(f"CustomSql failed: {_first_line(exc)}") from None

    def _query(self, sql: str) -> str:
        """The user's SQL as a checked Spark SQL query over this run's views."""
        text = rewrite_primary(sql, self.aliases).strip().rstrip(";")
        try:
            return user_query(text, self.con.views)
        except UnsafeSQL as exc:
            raise RuleError(f"refused on the Spark engine: {exc}") from None

    def __call__(self, sql: str, row_mode: bool) -> dict[str, Any]:
        query = self._query(sql)
        df = self._frame(query)
        names = list(df.columns)
        if not row_mode:
            rows = self._collect(df)
            if len(rows) != 1 or len(names) != 1:
                raise RuleError(
                    f"CustomSql with a condition must return one row with one column; "
                    f"got {len(rows)} row(s) and {len(names)} column(s)"
                )
            return {"scalar": rows[0][0]}
        pcols = primary_columns(names, self.columns)

        def q(name: str) -> str:
            return "`" + name.replace("`", "``") + "`"

        on = " AND ".join(f"p.{q(c)} <=> q.{q(n)}" for n, c in zip(names, pcols, strict=True))
        p = q(self.primary)
        rows = self._collect(
            self._frame(
                f"SELECT (SELECT count(*) FROM {p}) AS total, "
                f"(SELECT count(*) FROM {p} AS p LEFT SEMI JOIN ({query}) AS q ON {on}) AS matched"
            )
        )
        return {"total": rows[0][0], "matched": rows[0][1]}

    def rows(self, sql: str) -> tuple[list[str], list[str], Any]:
        """The row form's distinct returned rows as a lazy DataFrame of the checked query
        (see :meth:`.sandbox.Sandbox.rows`); the engine matches them back to the primary rows."""
        df = self._frame(self._query(sql))
        names = list(df.columns)
        return names, primary_columns(names, self.columns), df.distinct()

    def close(self) -> None:
        pass
