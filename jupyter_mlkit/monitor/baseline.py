"""Baselines: statistics.json + constraints.json, suggested from data or loaded from a folder."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .profile import HISTOGRAM_MAX_DISTINCT, DatasetProfile
from .sources import MonitorInputError, iter_batches

Progress = Callable[[float, str], None]
SUPPORTED_VERSION = 0.0
DOMAIN_MAX_SINGLETON_SHARE = 0.1  # Deequ CategoricalRangeRule


class BaselineError(ValueError):
    """A statistics.json / constraints.json file cannot be used as a baseline."""


def _check_version(doc: dict[str, Any], what: str) -> None:
    try:
        version = float(doc.get("version", 0.0))
    except (TypeError, ValueError) as exc:
        raise BaselineError(f"{what}: version {doc.get('version')!r} is not a number") from exc
    if version > SUPPORTED_VERSION:
        raise BaselineError(
            f"{what}: schema version {version} is newer than the supported version "
            f"{SUPPORTED_VERSION}; upgrade jupyter_mlkit to read it"
        )


def write_json(path: Path, doc: Any) -> None:
    """Write atomically so a crash never leaves a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(doc, indent=2, allow_nan=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BaselineError(f"{what} not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    if not isinstance(doc, dict):
        raise BaselineError(f"{path}: expected a JSON object")
    return doc


def suggest_constraints(
    statistics: dict[str, Any], monitoring_config: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The analyzer's suggestion rules applied to a statistics document."""
    rows = statistics.get("dataset", {}).get("item_count", 0)
    features = []
    for feat in statistics.get("features", []):
        itype = feat.get("inferred_type", "Unknown")
        entry: dict[str, Any] = {"name": feat["name"], "inferred_type": itype}
        stats = feat.get("numerical_statistics") or feat.get("string_statistics") or {}
        present = stats.get("common", {}).get("num_present", 0)
        entry["completeness"] = present / rows if rows else 0.0
        if "numerical_statistics" in feat and present and stats.get("min", -1) >= 0:
            entry["num_constraints"] = {"is_non_negative": True}
        if itype == "String":
            buckets = stats.get("distribution", {}).get("categorical", {}).get("buckets", [])
            if buckets and len(buckets) <= HISTOGRAM_MAX_DISTINCT:
                singles = sum(1 for b in buckets if b["count"] == 1)
                if singles / len(buckets) <= DOMAIN_MAX_SINGLETON_SHARE:
                    entry["string_constraints"] = {"domains": [b["value"] for b in buckets]}
        features.append(entry)
    mc = {
        "evaluate_constraints": "Enabled",
        "emit_metrics": "Enabled",
        "datatype_check_threshold": 1.0,
        "domain_content_threshold": 1.0,
        "distribution_constraints": {
            "perform_comparison": "Enabled",
            "comparison_threshold": 0.1,
            "comparison_method": "Robust",
        },
    }
    for key, value in (monitoring_config or {}).items():
        if key in ("comparison_threshold", "comparison_method", "perform_comparison") or key in (
            "categorical_comparison_threshold",
            "categorical_drift_method",
        ):
            mc["distribution_constraints"][key] = value
        else:
            mc[key] = value
    return {"version": 0.0, "features": features, "monitoring_config": mc}


class Baseline:
    """A SageMaker-compatible baseline: ``statistics`` and ``constraints`` documents."""

    def __init__(self, statistics: dict[str, Any], constraints: dict[str, Any]) -> None:
        _check_version(statistics, "statistics")
        _check_version(constraints, "constraints")
        if not isinstance(constraints.get("features", []), list):
            raise BaselineError("constraints: 'features' must be a list")
        self.statistics = statistics
        self.constraints = constraints

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike | None = None,
        *,
        statistics: str | os.PathLike | None = None,
        constraints: str | os.PathLike | None = None,
    ) -> Baseline:
        """Load ``statistics.json`` and ``constraints.json`` from a folder (or explicit paths).

        Either file may be missing when the other is given: constraints alone still check types,
        completeness, columns and domains; statistics alone give drift with default thresholds.
        """
        if directory is not None:
            d = Path(directory)
            if not d.is_dir():
                raise BaselineError(f"baseline directory {d} does not exist")
            statistics = statistics or (
                d / "statistics.json" if (d / "statistics.json").exists() else None
            )
            constraints = constraints or (
                d / "constraints.json" if (d / "constraints.json").exists() else None
            )
            if statistics is None and constraints is None:
                raise BaselineError(f"{d} holds neither statistics.json nor constraints.json")
        stats = read_json(Path(statistics), "statistics") if statistics else None
        cons = read_json(Path(constraints), "constraints") if constraints else None
        if stats is None and cons is None:
            raise BaselineError("give a baseline directory, statistics or constraints")
        if cons is None:
            cons = suggest_constraints(stats)
        if stats is None:
            stats = {"version": 0.0, "dataset": {"item_count": 0}, "features": []}
        return cls(stats, cons)

    def save(self, directory: str | os.PathLike) -> Path:
        d = Path(directory)
        write_json(d / "statistics.json", self.statistics)
        write_json(d / "constraints.json", self.constraints)
        return d

    def feature_statistics(self) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in self.statistics.get("features", [])}

    def feature_constraints(self) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in self.constraints.get("features", [])}

    def to_dict(self) -> dict[str, Any]:
        return {"statistics": self.statistics, "constraints": self.constraints}

    def __repr__(self) -> str:
        n = len(self.constraints.get("features", []))
        rows = self.statistics.get("dataset", {}).get("item_count")
        return f"Baseline({n} features, {rows} rows)"


def _row_estimate(data: Any) -> int | None:
    """Rows to expect, when cheap to know (frames, Arrow, Parquet footers): for progress only."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(data, pd.DataFrame):
        return len(data)
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        return data.num_rows
    try:
        from .sources import expand_paths

        paths = expand_paths(data)
        if paths and all(p.suffix.lower() in (".parquet", ".pq") for p in paths):
            import pyarrow.parquet as pq

            return sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
    except Exception:  # noqa: BLE001 - progress is best effort; reading reports real errors
        return None
    return None


def profile_data(
    data: Any,
    dataset_format: Any = None,
    *,
    progress: Progress | None = None,
    rename: Callable[[list[str]], dict[str, str]] | None = None,
    start: float = 0.0,
    span: float = 1.0,
    keep: list | None = None,
) -> DatasetProfile:
    """One streaming pass over ``data``; ``rename`` may map column names from the first batch."""

    total = _row_estimate(data)
    prof = DatasetProfile()
    mapping: dict[str, str] | None = None
    for batch in iter_batches(data, dataset_format):
        if mapping is None:
            mapping = rename(batch.schema.names) if rename else {}
        if mapping:
            batch = batch.rename_columns([mapping.get(n, n) for n in batch.schema.names])
        prof.update(batch)
        if keep is not None:
            keep.append(batch)
        if progress:
            # without a row estimate the fraction stays at the start and the message counts rows
            frac = min(prof.rows / total, 1.0) if total else 0.0
            progress(start + span * frac, f"profiled {prof.rows} rows")
    return prof


def suggest_baseline(
    data: Any,
    *,
    dataset_format: Any = None,
    monitoring_config: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> Baseline:
    """Profile ``data`` in one streaming pass and suggest constraints, as a baseline job does."""
    prof = profile_data(data, dataset_format, progress=progress, span=0.95)
    if prof.rows == 0:
        raise MonitorInputError("the baseline data has no rows")
    stats = prof.to_statistics()
    cons = suggest_constraints(stats, monitoring_config)
    if progress:
        progress(1.0, f"baseline of {prof.rows} rows, {len(prof.columns)} features")
    return Baseline(stats, cons)
