"""Feature attribution drift: global SHAP importances compared by nDCG (violation below 0.9)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

NDCG_THRESHOLD = 0.9


def ndcg(baseline: dict[str, float], current: dict[str, float]) -> float:
    """nDCG of the current ranking with the baseline attributions as relevance.

    The ideal order is the baseline's own; a current ranking that puts the same features on top
    scores 1.0.
    """
    rel = {k: abs(v) for k, v in baseline.items()}
    if not rel or sum(rel.values()) == 0:
        return float("nan")
    cur_order = sorted(rel, key=lambda f: -abs(current.get(f, 0.0)))
    ideal = sorted(rel.values(), reverse=True)

    def dcg(values: list[float]) -> float:
        return sum(v / math.log2(i + 2) for i, v in enumerate(values))

    return dcg([rel[f] for f in cur_order]) / dcg(ideal)


def global_shap(
    predict: Callable[[Any], Any],
    data: Any,
    background: Any,
    *,
    agg_method: str = "mean_abs",
    num_samples: int = 100,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Global SHAP values per label (output column) with Kernel SHAP from the ``shap`` package."""
    try:
        import shap
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "feature attribution drift needs shap: pip install 'jupyter_mlkit[shap]'"
        ) from exc
    import pandas as pd

    columns = list(data.columns) if isinstance(data, pd.DataFrame) else None
    x = np.asarray(data, dtype=float)
    bg = np.asarray(background, dtype=float)
    names = columns or [f"feature_{i}" for i in range(x.shape[1])]
    np.random.seed(seed)  # KernelExplainer samples coalitions with NumPy's global generator

    def f(rows: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(rows, columns=names) if columns else rows
        return np.asarray(predict(frame), dtype=float)

    explainer = shap.KernelExplainer(f, bg)
    values = explainer.shap_values(x, nsamples=num_samples, silent=True)
    arr = np.asarray(values)
    if arr.ndim == 2:  # one output
        arr = arr[None, :, :]
    elif arr.shape[-1] != len(names):  # (rows, features, outputs) from newer shap
        arr = np.moveaxis(arr, -1, 0)
    agg = {
        "mean_abs": lambda v: np.mean(np.abs(v), axis=0),
        "median": lambda v: np.median(v, axis=0),
        "mean_sq": lambda v: np.mean(np.square(v), axis=0),
    }.get(agg_method)
    if agg is None:
        raise ValueError(f"agg_method {agg_method!r} is not mean_abs, median or mean_sq")
    return {
        f"label{i}": dict(zip(names, map(float, agg(arr[i])), strict=True))
        for i in range(arr.shape[0])
    }


def attribution_drift_violations(
    baseline: dict[str, dict[str, float]],
    current: dict[str, dict[str, float]],
    *,
    threshold: float = NDCG_THRESHOLD,
) -> dict[str, Any]:
    """One violation per label whose nDCG falls below ``threshold``."""
    violations = []
    scores = {}
    for label, base in baseline.items():
        if label not in current:
            continue
        score = ndcg(base, current[label])
        scores[label] = score
        if score < threshold:
            violations.append(
                {
                    "label": label,
                    "metric_name": "shap",
                    "constraint_check_type": "feature_attribution_drift_check",
                    "description": f"Feature attribution drift {score} exceeds threshold "
                    f"{threshold}",
                }
            )
    return {"version": "1.0", "violations": violations, "ndcg": scores}
