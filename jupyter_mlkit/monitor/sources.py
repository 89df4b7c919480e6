"""Turn the many accepted inputs into one stream of Arrow record batches.

Accepted: a pandas DataFrame, an Arrow Table/RecordBatch, or paths, directories and globs of CSV,
Parquet, JSON lines or SageMaker data-capture files. CSV is read as text so that each value's type
is judged the way the analyzer judges it (``"3.0"`` is Fractional, ``"3"`` Integral).
"""

from __future__ import annotations

import csv
import glob
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

BATCH_ROWS = 65_536


class MonitorInputError(ValueError):
    """The data given to the monitor cannot be read; the message says which input and why."""


def parse_dataset_format(fmt: Any) -> dict[str, Any] | None:
    """Accept the container's JSON string, a dict, or a short name ("csv", "parquet", ...)."""
    if fmt is None or fmt == "":
        return None
    if isinstance(fmt, str):
        s = fmt.strip()
        if s.startswith("{"):
            try:
                fmt = json.loads(s)
            except json.JSONDecodeError as exc:
                raise MonitorInputError(f"dataset_format is not valid JSON: {exc}") from exc
        else:
            fmt = {s: {}}
    if not isinstance(fmt, dict) or len(fmt) != 1:
        raise MonitorInputError(f"dataset_format must name one format, got {fmt!r}")
    kind = next(iter(fmt))
    known = {"csv", "json", "parquet", "sagemakerCaptureJson"}
    if kind not in known:
        raise MonitorInputError(f"unknown dataset_format {kind!r}; expected one of {sorted(known)}")
    return {kind: dict(fmt[kind] or {})}


def expand_paths(data: str | os.PathLike | list) -> list[Path]:
    items = data if isinstance(data, (list, tuple)) else [data]
    out: list[Path] = []
    for item in items:
        s = os.fspath(item)
        if any(ch in s for ch in "*?["):
            matches = sorted(glob.glob(s, recursive=True))
            if not matches:
                raise MonitorInputError(f"no files match {s!r}")
            out.extend(Path(m) for m in matches if Path(m).is_file())
        elif Path(s).is_dir():
            files = sorted(
                p for p in Path(s).rglob("*") if p.is_file() and not p.name.startswith(".")
            )
            if not files:
                raise MonitorInputError(f"directory {s!r} holds no files")
            out.extend(files)
        elif Path(s).is_file():
            out.append(Path(s))
        else:
            raise MonitorInputError(f"input {s!r} does not exist")
    return out


def _looks_numeric(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _csv_header(path: Path, header: bool | None) -> tuple[list[str], bool]:
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        first = next(csv.reader(fh), None)
    if first is None:
        return [], bool(header)
    if header is None:
        # no format given: a first row with no numeric field and no empty field is a header
        header = all(f.strip() and not _looks_numeric(f) for f in first)
    if header:
        return [f if f else f"_c{i}" for i, f in enumerate(first)], True
    return [f"_c{i}" for i in range(len(first))], False


def _csv_batches(path: Path, opts: dict[str, Any]) -> Iterator[pa.RecordBatch]:
    import pyarrow.csv as pacsv

    names, has_header = _csv_header(path, opts.get("header"))
    if not names:
        return
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1 if has_header else 0, block_size=1 << 22
            ),
            parse_options=pacsv.ParseOptions(delimiter=opts.get("delimiter", ",")),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        yield from reader
    except pa.ArrowInvalid as exc:
        raise MonitorInputError(f"{path}: cannot read as CSV: {exc}") from exc


def _is_capture_file(path: Path) -> bool:
    with open(path, encoding="utf-8", errors="replace") as fh:
        head = fh.read(4096)
    return "captureData" in head or "groundTruthData" in head


def _json_table(path: Path, lines: bool | None) -> pa.Table:
    import pandas as pd

    text = path.read_text(encoding="utf-8")
    try:
        if lines is False or (lines is None and text.lstrip().startswith("[")):
            records = json.loads(text)
            if isinstance(records, dict):
                records = [records]
        else:
            records = [json.loads(ln) for ln in text.splitlines() if ln.strip()]
    except json.JSONDecodeError as exc:
        raise MonitorInputError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    return frame_to_table(pd.json_normalize(records))


def frame_to_table(df: Any) -> pa.Table:
    """pandas -> Arrow, turning columns of mixed Python types into text instead of failing."""
    arrays = []
    for name in df.columns:
        col = df[name]
        try:
            arrays.append(pa.array(col, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([None if _isna(v) else str(v) for v in col], type=pa.string()))
    if not arrays:
        return pa.table({})
    return pa.Table.from_arrays(arrays, names=[str(c) for c in df.columns])


def _isna(v: Any) -> bool:
    try:
        return v is None or (isinstance(v, float) and v != v)
    except Exception:  # noqa: BLE001
        return False


def iter_batches(
    data: Any, dataset_format: Any = None, *, batch_rows: int = BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """Yield record batches from any supported input."""
    import pandas as pd

    fmt = parse_dataset_format(dataset_format)
    if isinstance(data, pd.DataFrame):
        for start in range(0, max(len(data), 1), batch_rows):
            part = data.iloc[start : start + batch_rows]
            yield from frame_to_table(part).to_batches()
        return
    if isinstance(data, pa.RecordBatch):
        yield data
        return
    if isinstance(data, pa.Table):
        yield from data.to_batches(max_chunksize=batch_rows)
        return
    if not isinstance(data, (str, os.PathLike, list, tuple)):
        raise MonitorInputError(
            f"unsupported data of type {type(data).__name__}: give a DataFrame, an Arrow table, "
            "or paths/globs of CSV, Parquet, JSON lines or capture files"
        )
    kind = next(iter(fmt)) if fmt else None
    opts = fmt[kind] if fmt else {}
    for path in expand_paths(data):
        suffix = path.suffix.lower()
        if kind == "sagemakerCaptureJson" or (
            kind in (None, "json") and suffix in (".jsonl", ".json") and _is_capture_file(path)
        ):
            from .capture import read_capture

            position = opts.get("output_columns_position", "START")
            df = read_capture(path, include_metadata=False, output_columns_position=position)
            yield from frame_to_table(df).to_batches(max_chunksize=batch_rows)
        elif kind == "parquet" or (kind is None and suffix in (".parquet", ".pq")):
            import pyarrow.parquet as pq

            try:
                # no pre-buffering: it reads far ahead and would hold most of a big file
                pf = pq.ParquetFile(path, pre_buffer=False)
            except pa.ArrowInvalid as exc:
                raise MonitorInputError(f"{path}: not a Parquet file: {exc}") from exc
            yield from pf.iter_batches(batch_size=batch_rows)
        elif kind == "json" or (kind is None and suffix in (".json", ".jsonl")):
            yield from _json_table(path, opts.get("lines")).to_batches(max_chunksize=batch_rows)
        elif kind == "csv" or kind is None:
            yield from _csv_batches(path, opts)
        else:  # pragma: no cover - parse_dataset_format rejects other kinds
            raise MonitorInputError(f"{path}: unsupported format {kind}")
