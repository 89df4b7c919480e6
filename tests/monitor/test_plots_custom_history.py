"""Vega-Lite specs, custom metrics and run history."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jupyter_mlkit.monitor import CustomMetric, analyze, suggest_baseline
from jupyter_mlkit.monitor.custom import CustomMetricError
from jupyter_mlkit.monitor.history import record_run, runs
from jupyter_mlkit.monitor.plots import distribution_rows, drift_spec, feature_specs


def _pair():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 2000), "c": rng.choice(["a", "b"], 2000)})
    cur = pd.DataFrame({"x": rng.normal(1, 1, 500), "c": rng.choice(["a", "b"], 500)})
    base = suggest_baseline(ref)
    return base, analyze(cur, base)


def test_drift_and_distribution_specs_are_small_and_correct():
    base, r = _pair()
    spec = drift_spec(r)
    assert spec["$schema"].endswith("vega-lite/v5.json")
    rows = {row["feature"]: row for row in spec["data"]["values"]}
    assert rows["x"]["drifted"] is True and rows["x"]["distance"] == r.drift["x"]["distance"]
    specs = feature_specs(base, r)
    xs = specs["x"]["data"]["values"]
    for source in ("baseline", "current"):
        shares = [row["share"] for row in xs if row["source"] == source]
        assert len(shares) == 10 and sum(shares) == pytest.approx(1.0)
    cs = distribution_rows(
        {
            "string_statistics": {
                "distribution": {
                    "categorical": {
                        "buckets": [{"value": "a", "count": 3}, {"value": "b", "count": 1}]
                    }
                }
            }
        },
        {
            "string_statistics": {
                "distribution": {
                    "categorical": {
                        "buckets": [{"value": "a", "count": 1}, {"value": "b", "count": 1}]
                    }
                }
            }
        },
    )
    assert {(r_["source"], r_["bucket"]): r_["share"] for r_ in cs} == {
        ("baseline", "a"): 0.75,
        ("baseline", "b"): 0.25,
        ("current", "a"): 0.5,
        ("current", "b"): 0.5,
    }
    # aggregated buckets only: a few KB per feature whatever the row count
    assert len(json.dumps(specs)) < 20_000


def test_custom_metrics_python_and_sql():
    base = suggest_baseline(pd.DataFrame({"amount": [10.0, 20.0, 30.0]}))
    cur = pd.DataFrame({"amount": [10.0, 200.0, 30.0, None]})
    metrics = [
        CustomMetric("null_share", fn=lambda df: df["amount"].isna().mean(), threshold=0.2),
        CustomMetric("p_max", sql="SELECT max(amount) FROM data", threshold=100),
        CustomMetric("rows", sql="SELECT count(*) FROM data"),
    ]
    r = analyze(cur, base, custom_metrics=metrics)
    assert r.custom_metrics == {"null_share": 0.25, "p_max": 200.0, "rows": 4.0}
    custom = [v for v in r.violations if v["constraint_check_type"] == "custom_metric_check"]
    assert [v["feature_name"] for v in custom] == ["null_share", "p_max"]
    with pytest.raises(CustomMetricError, match="'bad' failed"):
        analyze(cur, base, custom_metrics=[CustomMetric("bad", sql="SELECT nope FROM data")])
    with pytest.raises(CustomMetricError, match="exactly one of fn or sql"):
        CustomMetric("both")


def test_history_in_sqlite():
    _, r = _pair()
    first = record_run("hourly", r, output_dir="/tmp/a")
    second = record_run("hourly", r)
    record_run("other", r)
    got = runs("hourly")
    assert [g["id"] for g in got] == [second, first]
    assert got[0]["violations"] == len(r.violations)
    assert got[0]["metrics"]["drift"]["x"] == pytest.approx(r.drift["x"]["distance"])
    assert got[1]["output_dir"] == "/tmp/a"


def test_evidently_html_report(tmp_path):
    from jupyter_mlkit.monitor.reports import evidently_report

    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=200)})
    cur = pd.DataFrame({"x": rng.normal(3, 1, 200)})
    out = evidently_report(cur, ref, tmp_path / "r" / "drift.html")
    text = out.read_text()
    assert out.name == "drift.html" and "<html" in text.lower() and len(text) > 1000
