"""The ``profile`` job: one DuckDB scan of a CSV, Parquet or JSON-lines file.

Row count and, per column, its type, null count, min and max and an approximate distinct count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import BadParameters
from ..paths import resolve_inside
from .kinds import JobContext, JobKind, require

READERS = {
    ".csv": "read_csv_auto",
    ".tsv": "read_csv_auto",
    ".parquet": "read_parquet",
    ".pq": "read_parquet",
    ".jsonl": "read_json_auto",
    ".ndjson": "read_json_auto",
    ".json": "read_json_auto",
}


def reader_for(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    suffix = suffixes[-1] if suffixes else ""
    reader = READERS.get(suffix)
    if reader is None:
        raise BadParameters(
            f"cannot profile '{path.name}': expected a .csv, .parquet or .jsonl file",
            details={"field": "path"},
        )
    return reader


def _validate(params: dict[str, Any], root: Path) -> dict[str, Any]:
    raw = require(params, "path", str)
    path = resolve_inside(root, raw)
    if path.is_dir():
        raise BadParameters(f"'{raw}' is a folder; give a file", details={"field": "path"})
    reader_for(path)
    return {"path": str(path)}


def profile_file(path: str | Path) -> dict[str, Any]:
    """Profile one file with a single aggregate query."""
    import duckdb

    path = Path(path)
    reader = reader_for(path)
    con = duckdb.connect()
    try:
        source = f"{reader}(?)"
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {source}", [str(path)]).fetchall()
        except duckdb.Error as exc:
            raise BadParameters(
                f"cannot read '{path.name}': {exc}", details={"field": "path"}
            ) from exc
        columns = [(row[0], row[1]) for row in described]
        exprs = ["count(*)"]
        for name, _type in columns:
            q = '"' + name.replace('"', '""') + '"'
            exprs += [
                f"count(*) - count({q})",
                f"min({q})::VARCHAR",
                f"max({q})::VARCHAR",
                f"approx_count_distinct({q})",
            ]
        row = con.execute(f"SELECT {', '.join(exprs)} FROM {source}", [str(path)]).fetchone()
    finally:
        con.close()
    out_cols = []
    for i, (name, typ) in enumerate(columns):
        base = 1 + 4 * i
        out_cols.append(
            {
                "name": name,
                "type": typ,
                "null_count": int(row[base]),
                "min": row[base + 1],
                "max": row[base + 2],
                "distinct_approx": int(row[base + 3]),
            }
        )
    return {"path": str(path), "rows": int(row[0]), "columns": out_cols}


def _run(params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0.05, "reading schema")
    result = profile_file(params["path"])
    ctx.progress(1.0, f"{result['rows']} rows, {len(result['columns'])} columns")
    return result


PROFILE = JobKind(
    name="profile",
    title="Profile a file",
    description="Row count and per-column type, null count, min, max and distinct count "
    "of a CSV, Parquet or JSON-lines file (one DuckDB scan).",
    validate=_validate,
    run=_run,
    schema={"path": "string (relative to the server root)"},
)
