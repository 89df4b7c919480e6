"""The six data-quality checks, drift distances and the fixture verdicts."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from jupyter_mlkit.monitor import Baseline, ConfigError, analyze, suggest_baseline
from jupyter_mlkit.monitor.sketch import WeightedItems, chi_squared_pvalue, linf_numeric, robust

CHURN_STATS = (
    "amazon-sagemaker-examples_model-monitor-introduction_baseline_statistics-partial.json"
)
CHURN_CONS = "amazon-sagemaker-examples_model-monitor-introduction_baseline_constraints.json"


def kinds(result):
    return {(v["feature_name"], v["constraint_check_type"]) for v in result.violations}


def test_linf_and_robust_by_hand():
    a = WeightedItems(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4))
    b = WeightedItems(np.array([3.0, 4.0, 5.0, 6.0]), np.ones(4))
    # at x=2: F_a=0.5, F_b=0 ; at x=4: 1.0 vs 0.5 -> max gap 0.5
    assert linf_numeric(a, b) == pytest.approx(0.5)
    # the spec's worked example: n=5000, m=400, simple 0.12 -> robust ~0.0265
    assert robust(0.12, 5000, 400) == pytest.approx(0.12 - 1.8 * math.sqrt(5400 / 2_000_000))
    assert robust(0.05, 5000, 400) == 0.0


def test_chi_squared_pvalue_matches_scipy():
    from scipy.stats import chisquare

    p = chi_squared_pvalue({"a": 500, "b": 500}, {"a": 70, "b": 30})
    assert p == pytest.approx(chisquare([70, 30], [50, 50]).pvalue)


def test_numeric_drift_simple_vs_robust():
    rng = np.random.default_rng(0)
    base = suggest_baseline(pd.DataFrame({"x": rng.normal(0, 1, 5000)}))
    cur = pd.DataFrame({"x": rng.normal(0.35, 1, 400)})  # true KS gap ~0.14
    simple = analyze(cur, base, config={"comparison_method": "Simple"})
    rob = analyze(cur, base)
    d_s, d_r = simple.drift["x"]["distance"], rob.drift["x"]["distance"]
    assert rob.drift["x"]["method"] == "linf_robust"
    assert d_r == pytest.approx(max(0.0, d_s - 1.8 * math.sqrt(5400 / (5000 * 400))))
    assert d_s > 0.1 and ("x", "baseline_drift_check") in kinds(simple)
    assert d_r < 0.1 and ("x", "baseline_drift_check") not in kinds(rob)
    same = analyze(pd.DataFrame({"x": rng.normal(0, 1, 5000)}), base)
    assert not same.violations and same.drift["x"]["drifted"] is False


def test_categorical_drift_linf_and_chi_squared():
    base = suggest_baseline(pd.DataFrame({"c": ["a"] * 500 + ["b"] * 500}))
    cur = pd.DataFrame({"c": ["a"] * 70 + ["b"] * 30})
    r = analyze(cur, base, config={"comparison_method": "Simple"})
    assert r.drift["c"]["distance"] == pytest.approx(0.2)  # |0.7-0.5|
    assert ("c", "baseline_drift_check") in kinds(r)
    chi = analyze(cur, base, config={"categorical_drift_method": "ChiSquared"})
    assert chi.drift["c"]["method"] == "chi_squared_pvalue"
    assert chi.drift["c"]["distance"] < 0.001
    assert ("c", "baseline_drift_check") in kinds(chi)


def test_all_six_checks_fire():
    base = suggest_baseline(
        pd.DataFrame(
            {
                "n": [1, 2, 3, 4] * 50,
                "c": ["x", "y"] * 100,
                "gone": [1.5] * 200,
            }
        )
    )
    cur = pd.DataFrame(
        {
            "n": ["1", "2", "oops", None] * 50,  # 1/3 text, 1/4 missing
            "c": ["x", "z"] * 100,  # z outside the domain, and drifted
            "new": [1] * 200,
        }
    )
    r = analyze(cur, base)
    assert kinds(r) == {
        ("n", "data_type_check"),
        ("n", "completeness_check"),
        ("n", "baseline_drift_check"),  # only 1 and 2 remain of 1..4
        ("c", "categorical_values_check"),
        ("c", "baseline_drift_check"),
        ("gone", "missing_column_check"),
        ("new", "extra_column_check"),
    }
    by = {(v["feature_name"], v["constraint_check_type"]): v["description"] for v in r.violations}
    assert "Only 66.66666666666666% of data is Integral" in by[("n", "data_type_check")]
    assert "Only 75.0% of data is complete" in by[("n", "completeness_check")]
    assert (
        "Only 50.0% of data is within the baseline domain" in by[("c", "categorical_values_check")]
    )
    # thresholds read as the minimum required share: 0.5 tolerates the 66% type match
    lenient = analyze(cur, base, config={"datatype_check_threshold": 0.5})
    assert ("n", "data_type_check") not in kinds(lenient)
    off = analyze(cur, base, config={"evaluate_constraints": "Disabled"})
    assert off.violations == []


def test_save_writes_analyzer_files(tmp_path):
    base = suggest_baseline(pd.DataFrame({"a": [1, 2, 3]}))
    r = analyze(pd.DataFrame({"a": [1.5, 2, 3]}), base)
    r.save(tmp_path)
    doc = json.loads((tmp_path / "constraint_violations.json").read_text())
    assert doc["violations"] == r.violations
    assert json.loads((tmp_path / "statistics.json").read_text())["dataset"]["item_count"] == 3
    assert r.to_dict()["status"] == "CompletedWithViolations"


def test_config_spellings_and_bad_values():
    base = suggest_baseline(pd.DataFrame({"a": [1.0, 2.0, 3.0] * 10}))
    r = analyze(
        pd.DataFrame({"a": [1.0, 2.0, 3.0]}), base, config={"comparion_method": "linf_simple"}
    )
    assert r.drift["a"]["method"] == "linf_simple"
    with pytest.raises(ConfigError, match="comparison_method 'Fancy'"):
        analyze(pd.DataFrame({"a": [1.0]}), base, config={"comparison_method": "Fancy"})


def test_churn_window_reproduces_fixture_verdicts(mm, datasets, tmp_path):
    """The capture rows of the introduction notebook: prediction first (START), then the
    test features with the deliberately odd values. Every violation AWS listed appears."""
    base = Baseline.load(statistics=mm / CHURN_STATS, constraints=mm / CHURN_CONS)
    rows = datasets / "amazon-sagemaker-examples_introduction_test-dataset-input-cols.csv"
    lines = rows.read_text().splitlines()
    window = tmp_path / "window.csv"
    window.write_text("\n".join(f"0.{i % 9 + 1}5,{ln}" for i, ln in enumerate(lines)) + "\n")
    r = analyze(window, base, dataset_format='{"csv": {"header": false}}')
    expected = json.loads(
        (
            mm
            / (
                "amazon-sagemaker-examples_model-monitor-introduction_"
                "constraint_violations-first10.json"
            )
        ).read_text()
    )["violations"]
    ours = kinds(r)
    for v in expected:
        assert (v["feature_name"], v["constraint_check_type"]) in ours
    churn = next(v for v in r.violations if v == {**v, "feature_name": "Churn"})
    assert churn["description"].endswith("Only 0.0% of data is Integral.")


def test_every_model_monitor_file_loads(mm):
    """Every statistics / constraints / violations file is valid JSON of the expected shape;
    data-quality ones load as a Baseline."""
    files = sorted(mm.glob("*.json"))
    assert len(files) >= 20
    for f in files:
        doc = json.loads(f.read_text())
        assert isinstance(doc, dict)
    for cons in (
        "sagemaker-python-sdk_constraints.json",
        CHURN_CONS,
        "sagemaker-python-sdk_qcs_data_quality_bad_cases_constraints.json",
    ):
        b = Baseline.load(constraints=mm / cons)
        assert b.constraints["features"]
    b = Baseline.load(
        statistics=mm / "sagemaker-python-sdk_statistics.json",
        constraints=mm / "sagemaker-python-sdk_constraints.json",
    )
    r = analyze(
        pd.DataFrame(
            {
                "message": ["preproc-not-YET-supported-for-csv-json"] * 3,
                "second_message": ["other"] * 3,
            }
        ),
        b,
    )
    assert ("second_message", "categorical_values_check") in kinds(r)
    assert ("message", "categorical_values_check") not in kinds(r)


def test_analyze_uses_stored_sketches_only(tmp_path):
    """The baseline data is gone when analyze runs: only the saved files are read."""
    rng = np.random.default_rng(5)
    src = tmp_path / "train.parquet"
    pd.DataFrame({"x": rng.normal(size=3000)}).to_parquet(src)
    suggest_baseline(str(src)).save(tmp_path / "base")
    src.unlink()
    calls = []
    r = analyze(
        pd.DataFrame({"x": rng.normal(size=3000)}),
        tmp_path / "base",
        progress=lambda f, m: calls.append((f, m)),
    )
    assert r.drift["x"]["baseline_count"] == 3000 and not r.drift["x"]["drifted"]
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert calls[-1][1] == "0 violations"


def test_empty_window_is_a_clear_error():
    from jupyter_mlkit.monitor import MonitorInputError

    base = suggest_baseline(pd.DataFrame({"x": [1.0, 2.0]}))
    with pytest.raises(MonitorInputError, match="current window has no rows"):
        analyze(pd.DataFrame({"x": pd.Series([], dtype=float)}), base)
