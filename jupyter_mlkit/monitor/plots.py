"""Vega-Lite specs for drift: small (aggregated buckets only), so hundreds of features open fast.

Render in JupyterLab with ``IPython.display.display({"application/vnd.vegalite.v5+json": spec},
raw=True)``, or in any Vega-Lite viewer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .sketch import WeightedItems

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def _sketch(feat: dict[str, Any] | None) -> WeightedItems | None:
    data = (
        (feat or {})
        .get("numerical_statistics", {})
        .get("distribution", {})
        .get("kll", {})
        .get("sketch", {})
        .get("data")
    )
    return WeightedItems.from_levels(data) if data else None


def _categories(feat: dict[str, Any] | None) -> dict[str, float]:
    buckets = (
        (feat or {})
        .get("string_statistics", {})
        .get("distribution", {})
        .get("categorical", {})
        .get("buckets", [])
    )
    return {str(b["value"]): float(b["count"]) for b in buckets}


def distribution_rows(
    baseline_feature: dict[str, Any] | None,
    current_feature: dict[str, Any] | None,
    *,
    bins: int = 10,
) -> list[dict[str, Any]]:
    """Shares per bucket for baseline and current on the same bucket edges."""
    rows: list[dict[str, Any]] = []
    b, c = _sketch(baseline_feature), _sketch(current_feature)
    if b is not None or c is not None:
        present = [s for s in (b, c) if s is not None and s.total]
        lo = min(float(s.items[0]) for s in present)
        hi = max(float(s.items[-1]) for s in present)
        edges = np.linspace(lo, hi, bins + 1) if hi > lo else np.array([lo, lo + 1.0])
        for source, s in (("baseline", b), ("current", c)):
            if s is None or not s.total:
                continue
            idx = np.clip(np.searchsorted(edges, s.items, side="right") - 1, 0, len(edges) - 2)
            share = np.bincount(idx, weights=s.weights, minlength=len(edges) - 1) / s.total
            for i, v in enumerate(share):
                rows.append(
                    {
                        "source": source,
                        "bucket": f"{edges[i]:.4g}–{edges[i + 1]:.4g}",
                        "order": i,
                        "share": float(v),
                    }
                )
        return rows
    bc, cc = _categories(baseline_feature), _categories(current_feature)
    keys = sorted(set(bc) | set(cc), key=lambda k: -(bc.get(k, 0) + cc.get(k, 0)))[:30]
    for source, counts in (("baseline", bc), ("current", cc)):
        total = sum(counts.values())
        if total:
            for i, k in enumerate(keys):
                rows.append(
                    {"source": source, "bucket": k, "order": i, "share": counts.get(k, 0) / total}
                )
    return rows


def distribution_spec(
    name: str, baseline_feature: dict[str, Any] | None, current_feature: dict[str, Any] | None
) -> dict[str, Any]:
    """Baseline vs current distribution of one feature (grouped bars of shares)."""
    return {
        "$schema": SCHEMA,
        "title": f"{name}: baseline vs current",
        "data": {"values": distribution_rows(baseline_feature, current_feature)},
        "mark": "bar",
        "encoding": {
            "x": {"field": "bucket", "type": "nominal", "sort": {"field": "order"}, "title": name},
            "xOffset": {"field": "source"},
            "y": {"field": "share", "type": "quantitative", "axis": {"format": "%"}},
            "color": {"field": "source", "type": "nominal"},
            "tooltip": [
                {"field": "source"},
                {"field": "bucket"},
                {"field": "share", "format": ".2%"},
            ],
        },
    }


def drift_spec(result: Any) -> dict[str, Any]:
    """Drift distance per feature, with each feature's threshold as a tick."""
    rows = [
        {
            "feature": k,
            "distance": v["distance"],
            "threshold": v["threshold"],
            "drifted": bool(v["drifted"]),
            "method": v["method"],
        }
        for k, v in result.drift.items()
        if v["distance"] == v["distance"]
    ]
    return {
        "$schema": SCHEMA,
        "title": "Baseline drift per feature",
        "data": {"values": rows},
        "layer": [
            {
                "mark": "bar",
                "encoding": {
                    "y": {"field": "feature", "type": "nominal", "sort": "-x"},
                    "x": {"field": "distance", "type": "quantitative"},
                    "color": {
                        "field": "drifted",
                        "type": "nominal",
                        "scale": {"domain": [False, True], "range": ["#4c78a8", "#e45756"]},
                    },
                    "tooltip": [
                        {"field": "feature"},
                        {"field": "distance", "format": ".4f"},
                        {"field": "threshold"},
                        {"field": "method"},
                    ],
                },
            },
            {
                "mark": {"type": "tick", "color": "black"},
                "encoding": {
                    "y": {"field": "feature", "type": "nominal", "sort": "-x"},
                    "x": {"field": "threshold", "type": "quantitative"},
                },
            },
        ],
    }


def violations_table(result: Any) -> list[dict[str, Any]]:
    """Rows for a table widget: feature, check type, description."""
    return [
        {
            "feature": v.get("feature_name") or v.get("metric_name"),
            "check": v["constraint_check_type"],
            "description": v["description"],
        }
        for v in result.violations
    ]


def feature_specs(baseline: Any, result: Any) -> dict[str, dict[str, Any]]:
    """One distribution spec per feature present in both the baseline and the current window."""
    base = {f["name"]: f for f in baseline.statistics.get("features", [])}
    cur = {f["name"]: f for f in result.statistics.get("features", [])}
    return {n: distribution_spec(n, base[n], cur[n]) for n in base if n in cur}
