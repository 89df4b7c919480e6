"""Bias drift: Clarify's post-training metrics (and CI, DPL) against a baseline.

Facet ``d`` (the group watched, e.g. ``Age == 40``) is compared to facet ``a`` (everyone else).
A violation is raised when the current value is further from the metric's ideal value than the
baseline value was (Clarify's "worse than the baseline" rule).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# name: (description, ideal value)
METRICS: dict[str, tuple[str, float]] = {
    "CI": ("Class Imbalance (CI)", 0.0),
    "DPL": ("Difference in Positive Proportions in Labels (DPL)", 0.0),
    "DPPL": ("Difference in Positive Proportions in Predicted Labels (DPPL)", 0.0),
    "DI": ("Disparate Impact (DI)", 1.0),
    "AD": ("Accuracy Difference (AD)", 0.0),
    "RD": ("Recall Difference (RD)", 0.0),
    "DAR": ("Difference in Acceptance Rates (DAR)", 0.0),
    "DRR": ("Difference in Rejection Rates (DRR)", 0.0),
    "TE": ("Treatment Equality (TE)", 0.0),
}
PRE_TRAINING = ("CI", "DPL")


class BiasError(ValueError):
    """The columns or values for a bias analysis are not usable."""


def _ratio(a: float, b: float) -> float:
    if b == 0:
        return float("nan") if a == 0 else math.copysign(math.inf, a)
    return a / b


def _positive(values: Any, positives: list[Any], threshold: float | None) -> np.ndarray:
    import pandas as pd

    s = pd.Series(values)
    if threshold is not None:
        return (pd.to_numeric(s, errors="coerce") > threshold).to_numpy()
    wanted = {str(v) for v in positives}
    num = pd.to_numeric(s, errors="coerce")
    if num.notna().all():
        nums = {float(v) for v in positives if _is_number(v)}
        return num.isin(nums).to_numpy()
    return s.astype(str).isin(wanted).to_numpy()


def _is_number(v: Any) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def bias_metrics(
    df: Any,
    *,
    label: str,
    facet: str,
    facet_values: list[Any],
    predicted_label: str,
    label_values: list[Any] | None = None,
    probability_threshold: float | None = None,
) -> dict[str, float]:
    """Clarify's metrics for facet ``d`` = rows whose ``facet`` is in ``facet_values``.

    Labels count as positive when in ``label_values`` (default ``[1]``); predictions likewise,
    or when above ``probability_threshold`` if given (a score column).
    """
    for col in (label, facet, predicted_label):
        if col not in df.columns:
            raise BiasError(f"column {col!r} not found; the data has {list(df.columns)}")
    positives = label_values if label_values is not None else [1]
    y = _positive(df[label], positives, None)
    p = _positive(df[predicted_label], positives, probability_threshold)
    in_d = df[facet].astype(str).isin({str(v) for v in facet_values}).to_numpy()
    if in_d.all() or not in_d.any():
        raise BiasError(f"facet {facet}={facet_values} must split the rows into two groups")

    def group(mask: np.ndarray) -> dict[str, float]:
        yy, pp = y[mask], p[mask]
        return {
            "n": float(mask.sum()),
            "label_pos": float(yy.mean()),
            "pred_pos": float(pp.mean()),
            "acc": float((yy == pp).mean()),
            "tp": float((yy & pp).sum()),
            "fp": float((~yy & pp).sum()),
            "fn": float((yy & ~pp).sum()),
            "tn": float((~yy & ~pp).sum()),
        }

    a, d = group(~in_d), group(in_d)
    return {
        "CI": (a["n"] - d["n"]) / (a["n"] + d["n"]),
        "DPL": a["label_pos"] - d["label_pos"],
        "DPPL": a["pred_pos"] - d["pred_pos"],
        "DI": _ratio(d["pred_pos"], a["pred_pos"]),
        "AD": a["acc"] - d["acc"],
        "RD": _ratio(a["tp"], a["tp"] + a["fn"]) - _ratio(d["tp"], d["tp"] + d["fn"]),
        "DAR": _ratio(a["tp"], a["tp"] + a["fp"]) - _ratio(d["tp"], d["tp"] + d["fp"]),
        "DRR": _ratio(d["tn"], d["tn"] + d["fn"]) - _ratio(a["tn"], a["tn"] + a["fn"]),
        "TE": _ratio(d["fn"], d["fp"]) - _ratio(a["fn"], a["fp"]),
    }


def bias_report(
    df: Any,
    *,
    label: str,
    facet: str,
    facet_values: list[Any],
    predicted_label: str,
    label_values: list[Any] | None = None,
    probability_threshold: float | None = None,
) -> dict[str, Any]:
    """Clarify's analysis.json shape (``pre_training_bias_metrics`` / ``post_training_…``)."""
    values = bias_metrics(
        df,
        label=label,
        facet=facet,
        facet_values=facet_values,
        predicted_label=predicted_label,
        label_values=label_values,
        probability_threshold=probability_threshold,
    )

    def section(names: list[str]) -> dict[str, Any]:
        return {
            "label": label,
            "facets": {
                facet: [
                    {
                        "value_or_threshold": ",".join(str(v) for v in facet_values),
                        "metrics": [
                            {"name": n, "description": METRICS[n][0], "value": values[n]}
                            for n in names
                        ],
                    }
                ]
            },
            "label_value_or_threshold": ",".join(str(v) for v in (label_values or [1])),
        }

    post = [n for n in METRICS if n not in PRE_TRAINING]
    return {
        "version": "1.0",
        "pre_training_bias_metrics": section(list(PRE_TRAINING)),
        "post_training_bias_metrics": section(post),
    }


def _metric_values(report: dict[str, Any]) -> dict[tuple[str, str, str], float]:
    out = {}
    for key in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        for facet, groups in (report.get(key) or {}).get("facets", {}).items():
            for g in groups:
                for m in g.get("metrics", []):
                    out[(facet, str(g.get("value_or_threshold")), m["name"])] = m.get("value")
    return out


def bias_drift_violations(current: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Violations where a metric moved further from its ideal than the baseline value."""
    cur, base = _metric_values(current), _metric_values(baseline)
    violations = []
    for key, value in cur.items():
        facet, facet_value, name = key
        bval = base.get(key)
        if value is None or bval is None or name not in METRICS:
            continue
        value, bval = float(value), float(bval)
        if math.isnan(value) or math.isnan(bval):
            continue
        ideal = METRICS[name][1]
        if abs(value - ideal) > abs(bval - ideal) + 1e-12:
            violations.append(
                {
                    "facet": facet,
                    "facet_value": facet_value,
                    "metric_name": name,
                    "constraint_check_type": "bias_drift_check",
                    "description": f"Metric value {value} doesn't meet the baseline constraint "
                    f"requirement {bval}",
                }
            )
    return {"version": "1.0", "violations": violations}
