"""Model-quality metrics with SageMaker's names, suggested constraints and violations.

Each metric is ``{"value": v, "standard_deviation": s}``. The standard deviation is only given with
at least 200 samples: the metric on 5 random 80 % subsamples, and the spread of those 5 values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

PROBLEMS = {
    "Regression": "regression",
    "BinaryClassification": "binary_classification",
    "MulticlassClassification": "multiclass_classification",
}
MIN_SAMPLES_FOR_STD = 200
LOWER_IS_BETTER = {"mae", "mse", "rmse", "false_positive_rate", "false_negative_rate"}


class ModelQualityError(ValueError):
    """The data or parameters for a model-quality analysis are not usable."""


def _problem_key(problem_type: str) -> str:
    for name, key in PROBLEMS.items():
        if problem_type in (name, key):
            return key
    raise ModelQualityError(f"problem_type {problem_type!r} is not one of {sorted(PROBLEMS)}")


def _regression(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    err = p - y
    mse = float(np.mean(err**2))
    # AWS's analyzer (Spark RegressionMetrics with its arguments swapped) divides by the spread of
    # the *predictions*; we match it so baselines agree. See docs/monitor.md.
    ss_tot = float(np.sum((p - p.mean()) ** 2))
    return {
        "mae": float(np.mean(np.abs(err))),
        "mse": mse,
        "rmse": math.sqrt(mse),
        "r2": 1 - float(np.sum(err**2)) / ss_tot if ss_tot else float("nan"),
    }


def _fbeta(precision: float, recall: float, beta: float) -> float:
    b2 = beta * beta
    denom = b2 * precision + recall
    return (1 + b2) * precision * recall / denom if denom else 0.0


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0


def _binary_scalars(y: np.ndarray, pred: np.ndarray, score: np.ndarray) -> dict[str, float]:
    tp = float(np.sum(pred & y))
    fp = float(np.sum(pred & ~y))
    fn = float(np.sum(~pred & y))
    tn = float(np.sum(~pred & ~y))
    n = len(y)
    precision, recall = _div(tp, tp + fp), _div(tp, tp + fn)
    # the best constant classifier always predicts the positive label
    pos = float(y.sum())
    bc_precision, bc_recall = _div(pos, n), 1.0 if pos else 0.0
    out = {
        "recall": recall,
        "precision": precision,
        "accuracy": _div(tp + tn, n),
        "recall_best_constant_classifier": bc_recall,
        "precision_best_constant_classifier": bc_precision,
        "accuracy_best_constant_classifier": _div(pos, n),
        "true_positive_rate": recall,
        "true_negative_rate": _div(tn, tn + fp),
        "false_positive_rate": _div(fp, fp + tn),
        "false_negative_rate": _div(fn, fn + tp),
        "auc": _auc(y, score),
    }
    for name, beta in (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)):
        out[name] = _fbeta(precision, recall, beta)
        out[f"{name}_best_constant_classifier"] = _fbeta(bc_precision, bc_recall, beta)
    return out


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve via the rank statistic (ties count half)."""
    from scipy.stats import rankdata

    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _curves(y: np.ndarray, score: np.ndarray) -> dict[str, Any]:
    order = np.argsort(-score, kind="stable")
    ys, ss = y[order], score[order]
    last = np.r_[np.nonzero(np.diff(ss))[0], len(ss) - 1]  # one point per distinct threshold
    tps = np.cumsum(ys)[last].astype(float)
    fps = (last + 1 - tps).astype(float)
    pos, neg = max(float(y.sum()), 1.0), max(float((~y).sum()), 1.0)
    tpr = np.r_[0.0, tps / pos]
    fpr = np.r_[0.0, fps / neg]
    precision = np.r_[1.0, tps / (tps + fps)]
    recall = np.r_[0.0, tps / pos]
    return {
        "receiver_operating_characteristic_curve": {
            "false_positive_rates": fpr.tolist(),
            "true_positive_rates": tpr.tolist(),
        },
        "precision_recall_curve": {"precisions": precision.tolist(), "recalls": recall.tolist()},
    }


def _confusion(y: np.ndarray, pred: np.ndarray) -> dict[str, dict[str, int]]:
    labels = sorted({*map(str, y), *map(str, pred)})
    ys, ps = y.astype(str), pred.astype(str)
    return {a: {p: int(np.sum((ys == a) & (ps == p))) for p in labels} for a in labels}


def _multiclass_scalars(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    ys, ps = y.astype(str), pred.astype(str)
    labels, support = np.unique(ys, return_counts=True)
    weights = support / support.sum()
    majority = labels[np.argmax(support)]

    def weighted(pv: np.ndarray) -> dict[str, float]:
        rec, prec = [], []
        for lab in labels:
            tp = float(np.sum((ys == lab) & (pv == lab)))
            rec.append(_div(tp, float(np.sum(ys == lab))))
            prec.append(_div(tp, float(np.sum(pv == lab))))
        r, p = np.array(rec), np.array(prec)
        out = {
            "accuracy": float(np.mean(ys == pv)),
            "weighted_recall": float(np.sum(weights * r)),
            "weighted_precision": float(np.sum(weights * p)),
        }
        for name, beta in (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)):
            f = np.array([_fbeta(pi, ri, beta) for pi, ri in zip(p, r, strict=True)])
            out[f"weighted_{name}"] = float(np.sum(weights * f))
        return out

    out = weighted(ps)
    for key, value in weighted(np.full(len(ys), majority)).items():
        out[f"{key}_best_constant_classifier"] = value
    return out


def _as_bool(values: Any, positive: Any) -> np.ndarray:
    import pandas as pd

    s = pd.Series(values)
    num = pd.to_numeric(s, errors="coerce")
    try:
        pos_num = float(positive)
    except (TypeError, ValueError):
        pos_num = None
    if pos_num is not None and num.notna().all():
        return (num == pos_num).to_numpy()
    return (s.astype(str) == str(positive)).to_numpy()


def model_quality_statistics(
    data: Any,
    *,
    problem_type: str,
    inference_attribute: str = "prediction",
    ground_truth_attribute: str = "label",
    probability_attribute: str | None = None,
    probability_threshold: float = 0.5,
    positive_label: Any = 1,
    seed: int = 0,
) -> dict[str, Any]:
    """Metrics of predictions against ground truth (a DataFrame or any monitor input)."""
    import pandas as pd

    df = data if isinstance(data, pd.DataFrame) else _to_frame(data)
    key = _problem_key(problem_type)
    needed = [ground_truth_attribute] + (
        [probability_attribute] if probability_attribute else [inference_attribute]
    )
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ModelQualityError(f"columns {missing} not found; the data has {list(df.columns)}")
    df = df.dropna(subset=needed)
    n = len(df)
    if n == 0:
        raise ModelQualityError("no rows with both a prediction and a ground-truth label")

    if key == "regression":
        y = pd.to_numeric(df[ground_truth_attribute], errors="coerce").to_numpy(float)
        p = pd.to_numeric(df[inference_attribute], errors="coerce").to_numpy(float)
        if np.isnan(y).any() or np.isnan(p).any():
            raise ModelQualityError("regression needs numeric labels and predictions")

        def compute(idx: np.ndarray) -> dict[str, Any]:
            return _regression(y[idx], p[idx])

        extra: dict[str, Any] = {}
    elif key == "binary_classification":
        y = _as_bool(df[ground_truth_attribute], positive_label)
        if probability_attribute:
            score = pd.to_numeric(df[probability_attribute], errors="coerce").to_numpy(float)
            pred = score >= probability_threshold
        else:
            pred = _as_bool(df[inference_attribute], positive_label)
            score = pred.astype(float)

        def compute(idx: np.ndarray) -> dict[str, Any]:
            return _binary_scalars(y[idx], pred[idx], score[idx])

        extra = {"confusion_matrix": _confusion(y.astype(int), pred.astype(int))}
        extra.update(_curves(y, score))
    else:
        y = df[ground_truth_attribute].to_numpy()
        pred = df[inference_attribute].to_numpy()

        def compute(idx: np.ndarray) -> dict[str, Any]:
            return _multiclass_scalars(y[idx], pred[idx])

        extra = {"confusion_matrix": _confusion(y, pred)}

    values = compute(np.arange(n))
    stds: dict[str, Any] = {k: "NaN" for k in values}
    if n >= MIN_SAMPLES_FOR_STD:
        rng = np.random.default_rng(seed)
        runs = [compute(rng.choice(n, int(n * 0.8), replace=False)) for _ in range(5)]
        stds = {k: float(np.std([r[k] for r in runs])) for k in values}
    metrics: dict[str, Any] = dict(extra) if key != "binary_classification" else {}
    if key == "binary_classification":
        metrics["confusion_matrix"] = extra["confusion_matrix"]
    for k, v in values.items():
        metrics[k] = {"value": v, "standard_deviation": stds[k]}
    if key == "binary_classification":
        for curve in ("receiver_operating_characteristic_curve", "precision_recall_curve"):
            metrics[curve] = extra[curve]
    return {"version": 0.0, "dataset": {"item_count": n}, f"{key}_metrics": metrics}


def _to_frame(data: Any) -> Any:
    import pyarrow as pa

    from .sources import iter_batches

    return pa.Table.from_batches(list(iter_batches(data))).to_pandas()


def suggest_model_quality_constraints(statistics: dict[str, Any]) -> dict[str, Any]:
    """The baseline values become thresholds: errors must not grow, scores must not fall."""
    key = next(k for k in statistics if k.endswith("_metrics"))
    problem = key[: -len("_metrics")]
    cons = {}
    for name, metric in statistics[key].items():
        if not isinstance(metric, dict) or "value" not in metric:
            continue
        if name.endswith("_best_constant_classifier"):
            continue
        value = metric["value"]
        if isinstance(value, float) and math.isnan(value):
            continue
        op = "GreaterThanThreshold" if name in LOWER_IS_BETTER else "LessThanThreshold"
        cons[name] = {"threshold": value, "comparison_operator": op}
    return {"version": 0.0, f"{problem}_constraints": cons}


def model_quality_violations(
    statistics: dict[str, Any], constraints: dict[str, Any]
) -> list[dict[str, Any]]:
    """A violation when a metric crosses its threshold in the operator's direction."""
    mkey = next(k for k in statistics if k.endswith("_metrics"))
    ckey = next((k for k in constraints if k.endswith("_constraints")), None)
    if ckey is None or ckey[: -len("_constraints")] != mkey[: -len("_metrics")]:
        raise ModelQualityError(
            f"constraints ({ckey}) do not match the statistics' problem type ({mkey})"
        )
    out = []
    for name, c in constraints[ckey].items():
        metric = statistics[mkey].get(name)
        if not isinstance(metric, dict):
            continue
        value, thr, op = metric["value"], float(c["threshold"]), c["comparison_operator"]
        # a last-bit difference in summation order must not flip a verdict
        eps = 1e-12 * max(1.0, abs(thr))
        crossed = {
            "GreaterThanThreshold": value > thr + eps,
            "LessThanThreshold": value < thr - eps,
            "GreaterThanOrEqualToThreshold": value >= thr - eps,
            "LessThanOrEqualToThreshold": value <= thr + eps,
        }.get(op)
        if crossed is None:
            raise ModelQualityError(f"unknown comparison_operator {op!r} for {name}")
        if crossed:
            std = metric.get("standard_deviation", "NaN")
            std = 0.0 if std == "NaN" else std
            out.append(
                {
                    "metric_name": name,
                    "constraint_check_type": op,
                    "description": f"Metric {name} with {value} +/- {std} was {op} '{thr}'",
                }
            )
    return out
