"""Monitoring: profile the current window and run the six data-quality checks.

The baseline is read only from its statistics/constraints documents (stored KLL sketches and
category counts): the baseline data is never scanned again.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

from . import config as cfgmod
from .baseline import Baseline, Progress, profile_data, write_json
from .profile import ColumnProfile, DatasetProfile
from .sketch import (
    WeightedItems,
    chi_squared_pvalue,
    linf_categorical,
    linf_numeric,
    robust,
)

_GENERATED = re.compile(r"^_c\d+$")


def _pct(x: float) -> str:
    return f"{x * 100}%"


class MonitoringResult:
    """The outcome of one analysis: current statistics, violations and drift per feature."""

    def __init__(
        self,
        statistics: dict[str, Any],
        violations: list[dict[str, Any]],
        drift: dict[str, dict[str, Any]],
        config: dict[str, Any],
        custom_metrics: dict[str, float] | None = None,
    ) -> None:
        self.statistics = statistics
        self.violations = violations
        self.drift = drift
        self.config = config
        self.custom_metrics = custom_metrics or {}

    @property
    def has_violations(self) -> bool:
        return bool(self.violations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistics": self.statistics,
            "violations": self.violations,
            "drift": self.drift,
            "custom_metrics": self.custom_metrics,
            "status": "CompletedWithViolations" if self.violations else "Completed",
        }

    def save(self, directory: str | os.PathLike) -> Path:
        """Write statistics.json and constraint_violations.json as the analyzer does."""
        d = Path(directory)
        write_json(d / "statistics.json", self.statistics)
        write_json(d / "constraint_violations.json", {"violations": self.violations})
        return d

    def drift_table(self) -> list[dict[str, Any]]:
        return [{"feature": k, **v} for k, v in self.drift.items()]

    def __repr__(self) -> str:
        drifted = sum(1 for d in self.drift.values() if d.get("drifted"))
        return (
            f"MonitoringResult({len(self.violations)} violations, "
            f"{drifted}/{len(self.drift)} features drifted)"
        )


def positional_names(current: list[str], baseline: list[str]) -> dict[str, str]:
    """Headerless data (``_c0, _c1 …``) takes the baseline's names by position, as the
    analyzer does for captured CSV rows."""
    if not current or not baseline:
        return {}
    if all(_GENERATED.match(c) for c in current) and not all(_GENERATED.match(b) for b in baseline):
        return {c: baseline[i] for i, c in enumerate(current) if i < len(baseline)}
    return {}


def _baseline_counts(feat: dict[str, Any] | None) -> dict[str, float] | None:
    if not feat:
        return None
    buckets = (
        feat.get("string_statistics", {})
        .get("distribution", {})
        .get("categorical", {})
        .get("buckets")
    )
    if not buckets:
        return None
    return {str(b["value"]): float(b["count"]) for b in buckets}


def _baseline_sketch(feat: dict[str, Any] | None) -> WeightedItems | None:
    if not feat:
        return None
    data = (
        feat.get("numerical_statistics", {})
        .get("distribution", {})
        .get("kll", {})
        .get("sketch", {})
        .get("data")
    )
    if not data:
        return None
    return WeightedItems.from_levels(data)


def feature_drift(
    bstats: dict[str, Any] | None, expected_type: str, col: ColumnProfile, cfg: dict[str, Any]
) -> dict[str, Any] | None:
    """Distance between the baseline and current distributions of one feature."""
    if expected_type in ("Integral", "Fractional"):
        base = _baseline_sketch(bstats)
        cur = col.weighted_items()
        if base is None or cur.total == 0:
            return None
        simple = linf_numeric(base, cur)
        method = cfg["comparison_method"]
        dist = robust(simple, base.total, cur.total) if method == "Robust" else simple
        threshold = cfg["comparison_threshold"]
        return {
            "distance": dist,
            "threshold": threshold,
            "method": f"linf_{method.lower()}",
            "drifted": bool(dist > threshold),
            "baseline_count": base.total,
            "current_count": cur.total,
        }
    base_counts = _baseline_counts(bstats)
    cur_counts = col.category_counts()
    if not base_counts or not cur_counts:
        return None
    threshold = cfg["categorical_comparison_threshold"]
    n, m = sum(base_counts.values()), sum(cur_counts.values())
    if cfg["categorical_drift_method"] == "ChiSquared":
        # the analyzer does not document how the p-value meets the threshold; we flag p < t
        p = chi_squared_pvalue(base_counts, cur_counts)
        return {
            "distance": p,
            "threshold": threshold,
            "method": "chi_squared_pvalue",
            "drifted": bool(not math.isnan(p) and p < threshold),
            "baseline_count": n,
            "current_count": m,
        }
    simple = linf_categorical(base_counts, cur_counts)
    method = cfg["comparison_method"]
    dist = robust(simple, n, m) if method == "Robust" else simple
    return {
        "distance": dist,
        "threshold": threshold,
        "method": f"linf_{method.lower()}",
        "drifted": bool(dist > threshold),
        "baseline_count": n,
        "current_count": m,
    }


def check(
    baseline: Baseline, prof: DatasetProfile, config: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], dict[str, Any]]:
    """Run the six checks of a current profile against a baseline."""
    global_cfg = cfgmod.resolve(baseline.constraints.get("monitoring_config"), config)
    bstats = baseline.feature_statistics()
    violations: list[dict[str, Any]] = []
    drift: dict[str, dict[str, Any]] = {}

    def add(name: str, kind: str, text: str) -> None:
        violations.append(
            {"feature_name": name, "constraint_check_type": kind, "description": text}
        )

    bfeatures = baseline.constraints.get("features", [])
    bnames = [f["name"] for f in bfeatures]
    for feat in bfeatures:
        name = feat["name"]
        cfg = cfgmod.resolve(
            baseline.constraints.get("monitoring_config"), cfgmod.feature_overrides(feat), config
        )
        col = prof.columns.get(name)
        if col is None:
            if cfg["evaluate_constraints"]:
                add(
                    name,
                    "missing_column_check",
                    "There are missing columns in current dataset. Number of columns in current "
                    f"dataset: {len(prof.columns)}, Number of columns in baseline constraints: "
                    f"{len(bnames)}. Missing column: {name}",
                )
            continue
        expected = feat.get("inferred_type", "Unknown")
        if cfg["perform_comparison"] and expected != "Unknown":
            d = feature_drift(bstats.get(name), expected, col, cfg)
            if d is not None:
                drift[name] = d
        if not cfg["evaluate_constraints"]:
            continue
        if expected in ("Integral", "Fractional", "String"):
            ratio = col.type_match(expected)
            need = cfg["datatype_check_threshold"]
            if ratio is not None and ratio < need:
                add(
                    name,
                    "data_type_check",
                    "Data type match requirement is not met. Expected data type: "
                    f"{expected}, Expected match: {_pct(need)}. Observed: Only {_pct(ratio)} "
                    f"of data is {expected}.",
                )
        if "completeness" in feat and col.total:
            observed = col.present / col.total
            if observed < float(feat["completeness"]):
                add(
                    name,
                    "completeness_check",
                    "Data completeness requirement is not met. Expected completeness: "
                    f"{_pct(float(feat['completeness']))}. Observed: Only {_pct(observed)} of "
                    "data is complete.",
                )
        domains = (feat.get("string_constraints") or {}).get("domains")
        counts = col.category_counts()
        if domains and counts and col.present:
            allowed = {str(v) for v in domains}
            inside = sum(c for v, c in counts.items() if v in allowed)
            ratio = inside / sum(counts.values())
            need = cfg["domain_content_threshold"]
            if ratio < need:
                outside = sorted(v for v in counts if v not in allowed)[:5]
                add(
                    name,
                    "categorical_values_check",
                    "Data content requirement is not met. Expected match: "
                    f"{_pct(need)}. Observed: Only {_pct(ratio)} of data is within the baseline "
                    f"domain. Values outside it include: {outside}",
                )
        if name in drift and drift[name]["drifted"]:
            d = drift[name]
            add(
                name,
                "baseline_drift_check",
                f"Baseline drift distance: {d['distance']} exceeds threshold: {d['threshold']}"
                if d["method"] != "chi_squared_pvalue"
                else f"Baseline drift p-value: {d['distance']} is below threshold: "
                f"{d['threshold']}",
            )
    if global_cfg["evaluate_constraints"]:
        known = set(bnames)
        for name in prof.columns:
            if name not in known:
                add(
                    name,
                    "extra_column_check",
                    "There are extra columns in current dataset. Number of columns in current "
                    f"dataset: {len(prof.columns)}, Number of columns in baseline constraints: "
                    f"{len(bnames)}. Extra column: {name}",
                )
    return violations, drift, global_cfg


def load_baseline(baseline: Baseline | str | os.PathLike) -> Baseline:
    if isinstance(baseline, Baseline):
        return baseline
    return Baseline.load(baseline)


def analyze(
    data: Any,
    baseline: Baseline | str | os.PathLike,
    *,
    config: dict[str, Any] | None = None,
    dataset_format: Any = None,
    progress: Progress | None = None,
    custom_metrics: list[Any] | None = None,
) -> MonitoringResult:
    """Check ``data`` (the current window) against ``baseline``.

    ``config`` overrides ``monitoring_config`` keys, flat or nested, e.g.
    ``{"comparison_method": "Simple", "categorical_drift_method": "ChiSquared"}``.
    ``custom_metrics`` (:class:`~jupyter_mlkit.monitor.custom.CustomMetric`) are computed on the
    window too (which then stays in memory) and may add ``custom_metric_check`` violations.
    """
    base = load_baseline(baseline)
    cfgmod.resolve(base.constraints.get("monitoring_config"), config)  # fail early on bad config
    bnames = [f["name"] for f in base.constraints.get("features", [])] or [
        f["name"] for f in base.statistics.get("features", [])
    ]
    kept: list | None = [] if custom_metrics else None
    prof = profile_data(
        data,
        dataset_format,
        progress=progress,
        rename=lambda names: positional_names(names, bnames),
        span=0.9,
        keep=kept,
    )
    if prof.rows == 0:
        from .sources import MonitorInputError

        raise MonitorInputError(
            "the current window has no rows: nothing to compare with the baseline "
            "(check the input path, the time window or the capture files)"
        )
    violations, drift, cfg = check(base, prof, config)
    values: dict[str, float] = {}
    if custom_metrics:
        import pyarrow as pa

        from .custom import evaluate_custom_metrics

        window = pa.Table.from_batches(kept) if kept else pa.table({})
        values, extra = evaluate_custom_metrics(window, custom_metrics)
        if cfg["evaluate_constraints"]:
            violations.extend(extra)
    if progress:
        progress(1.0, f"{len(violations)} violations")
    return MonitoringResult(prof.to_statistics(), violations, drift, cfg, values)
