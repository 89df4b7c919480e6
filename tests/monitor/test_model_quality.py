"""Model-quality metrics against SageMaker's files and hand-computed values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jupyter_mlkit.monitor.model_quality import (
    ModelQualityError,
    model_quality_statistics,
    model_quality_violations,
    suggest_model_quality_constraints,
)


def test_regression_matches_sagemaker_file(mm, datasets):
    df = pd.read_csv(datasets / "sagemaker-python-sdk_qcs_model_quality_baseline_dataset.csv")
    s = model_quality_statistics(
        df,
        problem_type="Regression",
        inference_attribute="Prediction",
        ground_truth_attribute="Label",
    )
    ref = json.loads((mm / "sagemaker-python-sdk_qcs_model_quality_statistics.json").read_text())
    assert s["dataset"] == ref["dataset"]
    for k in ("mae", "mse", "rmse", "r2"):
        assert s["regression_metrics"][k]["value"] == pytest.approx(
            ref["regression_metrics"][k]["value"], rel=1e-12
        )
        assert s["regression_metrics"][k]["standard_deviation"] == "NaN"  # only 100 rows
    good = json.loads(
        (mm / "sagemaker-python-sdk_qcs_model_quality_good_cases_constraints.json").read_text()
    )
    bad = json.loads(
        (mm / "sagemaker-python-sdk_qcs_model_quality_bad_cases_constraints.json").read_text()
    )
    ours = suggest_model_quality_constraints(s)
    for k, c in good["regression_constraints"].items():
        assert ours["regression_constraints"][k]["comparison_operator"] == c["comparison_operator"]
        assert ours["regression_constraints"][k]["threshold"] == pytest.approx(c["threshold"])
    assert model_quality_violations(s, good) == []
    v = model_quality_violations(s, bad)
    assert [(x["metric_name"], x["constraint_check_type"]) for x in v] == [
        ("mse", "GreaterThanThreshold")
    ]


def test_binary_metrics_by_hand():
    # the docs' example: actual 0 -> predicted 0 once and 1 twice; actual 1 -> predicted 1
    df = pd.DataFrame({"label": [0, 0, 0, 1], "prediction": [0, 1, 1, 1]})
    m = model_quality_statistics(df, problem_type="BinaryClassification")[
        "binary_classification_metrics"
    ]
    assert m["confusion_matrix"] == {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}}
    assert m["recall"]["value"] == 1.0
    assert m["precision"]["value"] == pytest.approx(1 / 3)
    assert m["accuracy"]["value"] == 0.5
    assert m["precision_best_constant_classifier"]["value"] == 0.25
    assert m["f0_5"]["value"] == pytest.approx(0.3846153846153846)
    assert m["f2"]["value"] == pytest.approx(0.7142857142857143)
    assert m["f0_5_best_constant_classifier"]["value"] == pytest.approx(0.29411764705882354)
    assert m["false_positive_rate"]["value"] == pytest.approx(2 / 3)
    assert m["recall"]["standard_deviation"] == "NaN"


def test_binary_with_probabilities_and_std_rule(datasets):
    df = pd.read_csv(
        datasets / "amazon-sagemaker-examples_model_quality_validation_with_predictions.csv"
    )
    s = model_quality_statistics(
        df, problem_type="BinaryClassification", probability_attribute="probability"
    )
    m = s["binary_classification_metrics"]
    assert s["dataset"]["item_count"] == 201  # >= 200: standard deviations are given
    assert isinstance(m["auc"]["standard_deviation"], float)
    from scipy.stats import mannwhitneyu

    pos, neg = df.probability[df.label == 1], df.probability[df.label == 0]
    assert m["auc"]["value"] == pytest.approx(
        mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg))
    )
    pred = df.probability >= 0.5
    assert m["accuracy"]["value"] == pytest.approx((pred == (df.label == 1)).mean())
    roc = m["receiver_operating_characteristic_curve"]
    assert roc["false_positive_rates"][0] == 0.0 and roc["true_positive_rates"][-1] == 1.0


def test_multiclass_weighted_metrics():
    df = pd.DataFrame({"label": ["a", "a", "b", "c"], "prediction": ["a", "b", "b", "c"]})
    m = model_quality_statistics(df, problem_type="MulticlassClassification")[
        "multiclass_classification_metrics"
    ]
    assert m["accuracy"]["value"] == 0.75
    # recall a=0.5 (w .5), b=1 (w .25), c=1 (w .25) -> 0.75 ; precision a=1, b=.5, c=1 -> .875
    assert m["weighted_recall"]["value"] == pytest.approx(0.75)
    assert m["weighted_precision"]["value"] == pytest.approx(0.875)
    assert m["accuracy_best_constant_classifier"]["value"] == 0.5  # always "a"


def test_bad_model_quality_input():
    with pytest.raises(ModelQualityError, match="problem_type 'Ranking'"):
        model_quality_statistics(pd.DataFrame(), problem_type="Ranking")
    with pytest.raises(ModelQualityError, match=r"columns \['label'\] not found"):
        model_quality_statistics(pd.DataFrame({"prediction": [1]}), problem_type="Regression")
    rng = np.random.default_rng(1)
    ok = pd.DataFrame({"label": rng.normal(size=300), "prediction": rng.normal(size=300)})
    s = model_quality_statistics(ok, problem_type="Regression")
    assert s["regression_metrics"]["mae"]["standard_deviation"] > 0
