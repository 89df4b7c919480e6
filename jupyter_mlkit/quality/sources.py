"""Getting a dataset into DuckDB: a pandas DataFrame, a pyarrow Table, or files read lazily.

Files (a path or a glob of CSV, Parquet or JSON-lines) are read by DuckDB itself, so a Parquet
file larger than memory streams through the aggregate query instead of being loaded.
"""

from __future__ import annotations

import glob as _glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb


class DataError(ValueError):
    """A dataset that cannot be read (missing, empty, unknown format)."""


_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}


def qident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def qstr(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Source:
    """One dataset registered on a DuckDB connection under ``table`` (a quoted name)."""

    table: str
    columns: dict[str, str]  # name -> DuckDB type
    paths: list[str] = field(default_factory=list)
    obj: Any = None  # the in-memory object, when there is one
    file_format: str | None = None

    def column(self, name: str) -> str | None:
        """The real column name for ``name`` (exact, else case-insensitive), or None."""
        if name in self.columns:
            return name
        lower = {c.lower(): c for c in self.columns}
        return lower.get(name.lower())

    def scan_sql(self) -> str:
        """SQL that reads the data (used to register it elsewhere)."""
        return f"SELECT * FROM {self.table}"


def _files(path: str) -> list[str]:
    p = os.path.expanduser(path)
    if any(ch in p for ch in "*?["):
        matches = sorted(_glob.glob(p, recursive=True))
    elif os.path.isdir(p):
        matches = sorted(
            str(f) for f in Path(p).rglob("*") if f.is_file() and f.suffix.lower() in _FORMATS
        )
    else:
        matches = [p] if os.path.exists(p) else []
    return [m for m in matches if os.path.isfile(m)]


def _reader(files: list[str], fmt: str) -> str:
    lst = "[" + ", ".join(qstr(f) for f in files) + "]"
    if fmt == "parquet":
        return f"read_parquet({lst})"
    if fmt == "csv":
        return f"read_csv({lst}, auto_detect=true)"
    return f"read_json({lst}, format='newline_delimited')"


def register(con: duckdb.DuckDBPyConnection, name: str, data: Any) -> Source:
    """Make ``data`` readable on ``con`` as the view/table ``name``."""
    table = qident(name)
    if isinstance(data, Source):
        data = data.obj if data.obj is not None else data.paths
    if isinstance(data, (str, os.PathLike)) or (
        isinstance(data, list) and data and isinstance(data[0], (str, os.PathLike))
    ):
        specs = [str(d) for d in (data if isinstance(data, list) else [data])]
        files = [f for s in specs for f in _files(s)]
        if not files:
            raise DataError(f"no file matches {', '.join(specs)}")
        fmts = {_FORMATS.get(Path(f).suffix.lower()) for f in files}
        if None in fmts or len(fmts) != 1:
            raise DataError(
                f"cannot tell the file format of {files[0]}: use .parquet, .csv or .jsonl files "
                "(one format per dataset)"
            )
        fmt = fmts.pop()
        empty = [f for f in files if os.path.getsize(f) == 0]
        if empty:
            raise DataError(f"{empty[0]} is empty")
        try:
            con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {_reader(files, fmt)}")
            cols = _describe(con, table)
        except duckdb.Error as exc:
            raise DataError(f"cannot read {files[0]} as {fmt}: {_first_line(exc)}") from None
        return Source(table, cols, paths=files, file_format=fmt)
    obj = data
    mod = type(data).__module__
    if not (mod.startswith("pandas") or mod.startswith("pyarrow") or mod.startswith("polars")):
        if isinstance(data, dict):
            import pyarrow as pa

            obj = pa.table(data)
        elif mod.startswith("pyspark"):
            raise DataError(
                "a Spark DataFrame needs the Spark engine (evaluate(..., engine='spark')); "
                "recommend() and explain() run on DuckDB only: pass df.limit(n).toPandas()"
            )
        else:
            raise DataError(
                f"unsupported data of type {type(data).__name__}: pass a pandas DataFrame, "
                "a pyarrow Table or a path/glob of CSV, Parquet or JSON-lines files"
            )
    tmp = f"__dq_obj_{abs(hash(name))}"
    con.register(tmp, obj)
    con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {qident(tmp)}")
    return Source(table, _describe(con, table), obj=obj)


def _describe(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()
    return {r[0]: r[1] for r in rows}


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "REAL",
)


def is_numeric(sql_type: str) -> bool:
    t = sql_type.upper()
    return t in NUMERIC_TYPES or t.startswith("DECIMAL")


def is_string(sql_type: str) -> bool:
    return sql_type.upper() in ("VARCHAR", "STRING", "TEXT") or sql_type.upper().startswith(
        "VARCHAR"
    )


def is_temporal(sql_type: str) -> bool:
    t = sql_type.upper()
    return t.startswith("DATE") or t.startswith("TIMESTAMP")
