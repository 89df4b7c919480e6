"""Bias drift metrics and feature attribution drift (SHAP + nDCG)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jupyter_mlkit.monitor.attribution import attribution_drift_violations, global_shap, ndcg
from jupyter_mlkit.monitor.bias import BiasError, bias_drift_violations, bias_metrics, bias_report


def _frame():
    # facet d = sex "F" (4 rows), a = "M" (6 rows)
    return pd.DataFrame(
        {
            "sex": ["F"] * 4 + ["M"] * 6,
            "label": [1, 1, 0, 0, 1, 1, 1, 0, 0, 0],
            "pred": [1, 0, 1, 0, 1, 1, 1, 1, 0, 0],
        }
    )


def test_bias_metrics_by_hand():
    m = bias_metrics(
        _frame(), label="label", facet="sex", facet_values=["F"], predicted_label="pred"
    )
    # a: pred pos 4/6, acc 5/6, tp 3 fp 1 fn 0 tn 2 ; d: pred pos 2/4, acc 2/4, tp 1 fp 1 fn 1 tn 1
    assert m["CI"] == pytest.approx((6 - 4) / 10)
    assert m["DPL"] == pytest.approx(3 / 6 - 2 / 4)
    assert m["DPPL"] == pytest.approx(4 / 6 - 2 / 4)
    assert m["DI"] == pytest.approx((2 / 4) / (4 / 6))
    assert m["AD"] == pytest.approx(5 / 6 - 2 / 4)
    assert m["RD"] == pytest.approx(3 / 3 - 1 / 2)
    assert m["DAR"] == pytest.approx(3 / 4 - 1 / 2)
    assert m["DRR"] == pytest.approx(1 / 2 - 2 / 2)
    assert m["TE"] == pytest.approx(1 / 1 - 0 / 1)


def test_bias_drift_rule_further_from_ideal():
    df = _frame()
    kw = dict(label="label", facet="sex", facet_values=["F"], predicted_label="pred")
    base = bias_report(df, **kw)
    assert bias_drift_violations(base, base)["violations"] == []
    worse = df.copy()
    worse.loc[worse.sex == "F", "pred"] = 0  # nobody in F predicted positive
    out = bias_drift_violations(bias_report(worse, **kw), base)
    names = {v["metric_name"] for v in out["violations"]}
    assert {"DPPL", "DI"} <= names
    v = next(v for v in out["violations"] if v["metric_name"] == "DPPL")
    assert v["facet"] == "sex" and v["facet_value"] == "F"
    assert v["constraint_check_type"] == "bias_drift_check"
    assert v["description"].startswith("Metric value 0.6666666666666666 doesn't meet")
    with pytest.raises(BiasError, match="must split the rows"):
        bias_metrics(df, label="label", facet="sex", facet_values=["X"], predicted_label="pred")


def test_ndcg_by_hand():
    base = {"a": 3.0, "b": 2.0, "c": 1.0}
    assert ndcg(base, {"a": 9, "b": 5, "c": 0}) == pytest.approx(1.0)
    expected = (1 + 2 / math.log2(3) + 3 / 2) / (3 + 2 / math.log2(3) + 1 / 2)
    assert ndcg(base, {"a": 0.1, "b": 0.5, "c": 0.9}) == pytest.approx(expected)
    out = attribution_drift_violations({"label0": base}, {"label0": {"a": 0.1, "b": 0.5, "c": 0.9}})
    assert out["violations"][0]["constraint_check_type"] == "feature_attribution_drift_check"
    assert out["ndcg"]["label0"] == pytest.approx(expected)


def test_shap_attributions_of_a_linear_model():
    rng = np.random.default_rng(0)
    bg = pd.DataFrame(rng.normal(size=(20, 3)), columns=["x0", "x1", "x2"])
    data = pd.DataFrame(rng.normal(size=(15, 3)), columns=["x0", "x1", "x2"])

    def model_a(df):
        return 3 * df["x0"] + 1 * df["x1"]

    def model_b(df):
        return 3 * df["x2"] + 1 * df["x1"]

    base = global_shap(model_a, data, bg, num_samples=50)
    # a linear model's SHAP value is coef * (x - mean(background)): exact with 2**3 coalitions
    expect_x0 = float(np.mean(np.abs(3 * (data["x0"] - bg["x0"].mean()))))
    assert base["label0"]["x0"] == pytest.approx(expect_x0, rel=1e-6)
    assert base["label0"]["x2"] == pytest.approx(0.0, abs=1e-9)
    same = attribution_drift_violations(base, global_shap(model_a, data, bg, num_samples=50))
    assert same["violations"] == []
    moved = attribution_drift_violations(base, global_shap(model_b, data, bg, num_samples=50))
    assert len(moved["violations"]) == 1 and moved["ndcg"]["label0"] < 0.9
