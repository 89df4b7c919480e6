"""SageMaker data-capture JSON lines: decode payloads into rows, merge ground truth.

A capture line holds ``captureData.endpointInput`` / ``endpointOutput`` (or a batch transform's
``batchTransformOutput``), each with ``data`` and ``encoding`` (CSV, JSON or BASE64), plus
``eventMetadata``. Ground-truth lines hold ``groundTruthData``. Lines that cannot be read are
skipped and reported with their file and line number, never silently dropped.
"""

from __future__ import annotations

import base64
import binascii
import csv
import importlib.util
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .sources import MonitorInputError, expand_paths

META_COLUMNS = ["eventId", "inferenceId", "inferenceTime", "_row"]
GROUND_TRUTH = "groundTruth"


@dataclass
class SkippedRecord:
    path: str
    line: int
    reason: str


@dataclass
class CaptureReadReport:
    """What was read, and each record that was skipped (file, 1-based line, reason)."""

    files: int = 0
    records: int = 0
    rows: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)

    @property
    def skipped_count(self) -> int:
        return len(self.skipped)

    def summary(self) -> str:
        text = f"{self.records} records, {self.rows} rows from {self.files} files"
        if self.skipped:
            first = self.skipped[0]
            text += (
                f"; {self.skipped_count} records skipped (first: {first.path}:{first.line}: "
                f"{first.reason})"
            )
        return text


class RecordError(ValueError):
    """One capture record cannot be turned into rows."""


def _decode(part: dict[str, Any]) -> tuple[str, str]:
    """(text, kind) of a captured payload, kind being 'csv' or 'json'."""
    if not isinstance(part, dict) or "data" not in part:
        raise RecordError("payload has no 'data'")
    data, enc = part["data"], str(part.get("encoding", "")).upper()
    ctype = str(part.get("observedContentType", "")).lower()
    if enc == "BASE64":
        try:
            data = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise RecordError(f"BASE64 payload cannot be decoded: {exc}") from exc
        kind = "json" if "json" in ctype else "csv"
    elif enc == "CSV":
        kind = "csv"
    elif enc == "JSON":
        kind = "json"
    else:
        raise RecordError(f"unknown encoding {part.get('encoding')!r} (expected CSV, JSON, BASE64)")
    if not isinstance(data, str):
        data = json.dumps(data)
    return data, kind


def _flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
            out.update({f"{name}_{i}": v for i, v in enumerate(value)})
        else:
            out[name] = value
    return out


Row = list[Any] | dict[str, Any]


ROW_LIST_KEYS = {"instances", "predictions", "outputs", "inputs", "records", "data"}


def _json_rows(obj: Any) -> list[Row]:
    if isinstance(obj, dict):
        if len(obj) == 1:
            key, value = next(iter(obj.items()))
            # {"instances": [...]} / {"predictions": [...]}: a list of records
            if isinstance(value, list) and (
                key in ROW_LIST_KEYS or any(isinstance(v, (dict, list)) for v in value)
            ):
                return _json_rows(value)
        return [_flatten(obj)]
    if isinstance(obj, list):
        rows: list[Row] = []
        for item in obj:
            if isinstance(item, dict):
                rows.append(_flatten(item))
            elif isinstance(item, list):
                rows.append(list(item))
            else:
                rows.append([item])
        return rows
    return [[obj]]


def _batch_transform_rows(part: dict[str, Any], position: str) -> list[list[tuple]]:
    """A batch transform output joins the model's ``SageMakerOutput`` to the input record."""
    text, kind = _decode(part)
    if kind == "json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict) and "SageMakerOutput" in obj:
            outputs = _json_rows(obj["SageMakerOutput"])
            rest = {k: v for k, v in obj.items() if k != "SageMakerOutput"}
            return _combine(outputs, _json_rows(rest) if rest else [], position)
    return _combine([], payload_rows(part), position)


def payload_rows(part: dict[str, Any]) -> list[Row]:
    text, kind = _decode(part)
    if kind == "csv":
        lines = [ln for ln in text.splitlines() if ln.strip()]
        return [[v if v != "" else None for v in row] for row in csv.reader(lines)]
    stripped = text.strip()
    try:
        return _json_rows(json.loads(stripped))
    except json.JSONDecodeError:
        try:  # JSON lines: one object per line
            rows: list[Row] = []
            for ln in stripped.splitlines():
                if ln.strip():
                    rows.extend(_json_rows(json.loads(ln)))
            return rows
        except json.JSONDecodeError as exc:
            raise RecordError(f"JSON payload is invalid: {exc.msg}") from exc


def _combine(outputs: list[Row], inputs: list[Row], position: str) -> list[list[tuple]]:
    """Join output and input rows into named cells; positional cells get names later."""
    if outputs and inputs and len(outputs) != len(inputs):
        if len(outputs) == 1 and isinstance(outputs[0], list) and len(outputs[0]) == len(inputs):
            outputs = [[v] for v in outputs[0]]  # one CSV line of N predictions for N rows
        else:
            raise RecordError(f"input has {len(inputs)} rows but output has {len(outputs)}")
    n = max(len(outputs), len(inputs))
    rows = []
    for i in range(n):
        parts = []
        for tag, source in (("output", outputs), ("input", inputs)):
            if source:
                r = source[i]
                if isinstance(r, dict):
                    parts.append([(k, v) for k, v in r.items()])
                else:
                    parts.append([((tag, j), v) for j, v in enumerate(r)])
            else:
                parts.append([])
        out, inp = parts
        rows.append(out + inp if position.upper() == "START" else inp + out)
    return rows


def _name_cells(cells: list[tuple]) -> dict[str, Any]:
    if all(isinstance(k, tuple) for k, _ in cells):
        return {f"_c{i}": v for i, (_, v) in enumerate(cells)}
    return {(f"{k[0]}_{k[1]}" if isinstance(k, tuple) else k): v for k, v in cells}


def _ground_truth(rec: dict[str, Any]) -> list[Any]:
    rows = payload_rows(rec["groundTruthData"])
    labels = []
    for r in rows:
        if isinstance(r, dict):
            labels.append(r.get("label", next(iter(r.values()), None)) if len(r) else None)
        else:
            labels.append(r[0] if r else None)
    return labels


def load_preprocessor(preprocess: Callable | str | os.PathLike | None) -> Callable | None:
    """A callable, or a script path defining ``preprocess_handler(inference_record)``."""
    if preprocess is None or callable(preprocess):
        return preprocess
    path = Path(preprocess)
    if not path.is_file():
        raise MonitorInputError(f"preprocessor script {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"_mlkit_preprocess_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as exc:  # noqa: BLE001 - user code: report any failure clearly
        raise MonitorInputError(f"preprocessor script {path} failed to load: {exc!r}") from exc
    handler = getattr(module, "preprocess_handler", None)
    if not callable(handler):
        raise MonitorInputError(f"preprocessor script {path} defines no preprocess_handler()")
    return handler


def _ns_part(part: dict[str, Any] | None) -> SimpleNamespace | None:
    if not part:
        return None
    return SimpleNamespace(
        data=part.get("data"),
        encoding=part.get("encoding"),
        observed_content_type=part.get("observedContentType"),
        mode=part.get("mode"),
    )


def inference_record(rec: dict[str, Any]) -> SimpleNamespace:
    """The object the container passes to ``preprocess_handler``."""
    meta = rec.get("eventMetadata", {}) or {}
    cd = rec.get("captureData", {}) or {}
    return SimpleNamespace(
        event_metadata=SimpleNamespace(
            event_id=meta.get("eventId"),
            inference_id=meta.get("inferenceId"),
            inference_time=meta.get("inferenceTime"),
        ),
        event_version=rec.get("eventVersion"),
        endpoint_input=_ns_part(cd.get("endpointInput")),
        endpoint_output=_ns_part(cd.get("endpointOutput")),
        raw=rec,
    )


def record_rows(
    rec: dict[str, Any], position: str, handler: Callable | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows of one record, and its metadata."""
    if not isinstance(rec, dict):
        raise RecordError("record is not a JSON object")
    meta = dict(rec.get("eventMetadata") or {})
    if "SageMakerInferenceId" in rec:  # batch transform output with an inference id
        meta.setdefault("inferenceId", rec.get("SageMakerInferenceId"))
        meta.setdefault("inferenceTime", rec.get("SageMakerInferenceTime"))
    if handler is not None:
        try:
            out = handler(inference_record(rec))
        except Exception as exc:  # noqa: BLE001 - user code
            raise RecordError(f"preprocess_handler failed: {exc!r}") from exc
        if not out:
            return [], meta
        out = [out] if isinstance(out, dict) else list(out)
        if not all(isinstance(r, dict) for r in out):
            raise RecordError("preprocess_handler must return a dict or a list of dicts")
        return [dict(r) for r in out], meta
    cd = rec.get("captureData")
    rows: list[dict[str, Any]]
    if isinstance(cd, dict):
        if "batchTransformOutput" in cd:
            cells = _batch_transform_rows(cd["batchTransformOutput"], position)
        else:
            inputs = payload_rows(cd["endpointInput"]) if "endpointInput" in cd else []
            outputs = payload_rows(cd["endpointOutput"]) if "endpointOutput" in cd else []
            cells = _combine(outputs, inputs, position)
        rows = [_name_cells(c) for c in cells]
    elif "groundTruthData" in rec:
        rows = [{} for _ in range(len(_ground_truth(rec)))]
    elif "captureData" in rec:
        raise RecordError("captureData is not an object")
    else:  # a plain JSON line (batch transform output)
        rows = [_flatten({k: v for k, v in rec.items() if not k.startswith("SageMakerInference")})]
    if "groundTruthData" in rec:
        labels = _ground_truth(rec)
        if len(labels) == len(rows):
            for r, label in zip(rows, labels, strict=True):
                r[GROUND_TRUTH] = label
        elif len(labels) == 1:
            for r in rows:
                r[GROUND_TRUTH] = labels[0]
        else:
            raise RecordError(f"{len(labels)} ground-truth labels for {len(rows)} rows")
    return rows, meta


def read_capture(
    paths: Any,
    *,
    preprocess: Callable | str | os.PathLike | None = None,
    include_metadata: bool = True,
    output_columns_position: str = "START",
) -> Any:
    """Read capture (or ground-truth, or merged) JSON lines into a DataFrame.

    CSV payload values stay text as captured (the analyzer judges their types); JSON payloads are
    flattened (``a.b``, lists as ``name_0 …``). With ``include_metadata`` the frame starts with
    eventId, inferenceId, inferenceTime and ``_row`` (row within the record). ``df.attrs`` holds
    ``skipped`` (a count) and ``capture_report`` (a :class:`CaptureReadReport`).
    """
    import pandas as pd

    handler = load_preprocessor(preprocess)
    report = CaptureReadReport()
    out_rows: list[dict[str, Any]] = []
    for path in expand_paths(paths):
        report.files += 1
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        stripped = text.lstrip()
        # a pretty-printed single record (.json) rather than JSON lines
        if stripped.startswith("{") and "\n" in stripped.strip() and path.suffix == ".json":
            try:
                lines = [(1, json.dumps(json.loads(stripped)))]
            except json.JSONDecodeError:
                lines = list(enumerate(text.splitlines(), 1))
        else:
            lines = list(enumerate(text.splitlines(), 1))
        for lineno, line in lines:
            if not line.strip():
                continue
            report.records += 1
            try:
                rec = json.loads(line)
                rows, meta = record_rows(rec, output_columns_position, handler)
            except json.JSONDecodeError as exc:
                report.skipped.append(SkippedRecord(str(path), lineno, f"invalid JSON: {exc.msg}"))
                continue
            except (RecordError, KeyError, TypeError) as exc:
                report.skipped.append(SkippedRecord(str(path), lineno, str(exc)))
                continue
            for i, r in enumerate(rows):
                if include_metadata:
                    r = {
                        "eventId": meta.get("eventId"),
                        "inferenceId": meta.get("inferenceId"),
                        "inferenceTime": meta.get("inferenceTime"),
                        "_row": i,
                        **r,
                    }
                out_rows.append(r)
    report.rows = len(out_rows)
    df = pd.DataFrame(out_rows)
    df.attrs["skipped"] = report.skipped_count
    df.attrs["capture_report"] = report
    return df


def merge_ground_truth(captures: Any, ground_truth_paths: Any, **kwargs: Any) -> Any:
    """Inner-join captured rows with ground-truth labels, as the merge job does.

    The join key is the capture's ``inferenceId`` when it has one, else its ``eventId``; a label
    record's ``eventId`` must hold that value. Adds a ``groundTruth`` column.
    """
    import pandas as pd

    cap = captures if isinstance(captures, pd.DataFrame) else read_capture(captures, **kwargs)
    gt = read_capture(ground_truth_paths)
    need = {"eventId", "inferenceId", "_row"}
    if not cap.empty and not need <= set(cap.columns):
        raise MonitorInputError(
            f"captures lack the metadata columns {sorted(need - set(cap.columns))}: read them "
            "with read_capture(..., include_metadata=True)"
        )
    if cap.empty or gt.empty:
        out = cap.iloc[0:0].copy()
        out[GROUND_TRUTH] = []
        out.attrs.update(cap.attrs)
        return out
    key = cap["inferenceId"].where(cap["inferenceId"].notna(), cap["eventId"])
    left = cap.drop(columns=[GROUND_TRUTH], errors="ignore").assign(_key=key)
    right = gt[["eventId", "_row", GROUND_TRUTH]].rename(columns={"eventId": "_key"})
    right = right.drop_duplicates(subset=["_key", "_row"], keep="last")
    merged = left.merge(right, on=["_key", "_row"], how="inner").drop(columns=["_key"])
    merged.attrs["skipped"] = cap.attrs.get("skipped", 0) + gt.attrs.get("skipped", 0)
    merged.attrs["capture_report"] = cap.attrs.get("capture_report")
    merged.attrs["ground_truth_report"] = gt.attrs.get("capture_report")
    return merged
