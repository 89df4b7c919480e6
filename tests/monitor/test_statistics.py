"""Statistics and suggested constraints against real SageMaker baseline output."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jupyter_mlkit.monitor import Baseline, BaselineError, MonitorInputError, suggest_baseline

CHURN = "amazon-sagemaker-examples_introduction_training-dataset-with-header.csv"
CHURN_STATS = (
    "amazon-sagemaker-examples_model-monitor-introduction_baseline_statistics-partial.json"
)
CHURN_CONS = "amazon-sagemaker-examples_model-monitor-introduction_baseline_constraints.json"


def _num(feat):
    return feat["numerical_statistics"]


def test_qcs_statistics_equal_sagemaker(mm, datasets):
    ours = suggest_baseline(datasets / "sagemaker-python-sdk_qcs_data_quality_baseline_dataset.csv")
    ref = json.loads((mm / "sagemaker-python-sdk_qcs_data_quality_statistics.json").read_text())
    assert ours.statistics["dataset"]["item_count"] == ref["dataset"]["item_count"] == 100
    assert [f["name"] for f in ours.statistics["features"]] == [f["name"] for f in ref["features"]]
    for a, r in zip(ours.statistics["features"], ref["features"], strict=True):
        assert a["inferred_type"] == r["inferred_type"] == "Fractional"  # "3.0" reads Fractional
        na, nr = _num(a), _num(r)
        assert na["common"] == nr["common"]
        for key in ("mean", "sum", "std_dev", "min", "max"):
            assert na[key] == pytest.approx(nr[key], rel=1e-12, abs=1e-12), (a["name"], key)
        # fewer than k=2048 rows: the sketch is exact, so the buckets are identical
        assert na["distribution"]["kll"]["buckets"] == nr["distribution"]["kll"]["buckets"]
        # the whole sketch too: one level, the values in row order, Deequ's parameters
        assert na["distribution"]["kll"]["sketch"] == nr["distribution"]["kll"]["sketch"]


def test_qcs_suggested_constraints_equal_sagemaker(mm, datasets):
    ours = suggest_baseline(datasets / "sagemaker-python-sdk_qcs_data_quality_baseline_dataset.csv")
    ref = json.loads(
        (mm / "sagemaker-python-sdk_qcs_data_quality_good_cases_constraints.json").read_text()
    )
    assert ours.constraints["features"] == ref["features"]
    assert ours.constraints["monitoring_config"] == ref["monitoring_config"]


@pytest.fixture(scope="module")
def churn_baseline(shared_dir_module):
    return suggest_baseline(shared_dir_module / "datasets" / CHURN)


@pytest.fixture(scope="module")
def shared_dir_module():
    from pathlib import Path

    here = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "aws"
    if not here.is_dir():
        here = Path("/work/shared/fixtures/aws")
    return here


def test_churn_statistics_match_the_29_logged_features(churn_baseline, mm):
    ref = json.loads((mm / CHURN_STATS).read_text())
    ours = {f["name"]: f for f in churn_baseline.statistics["features"]}
    assert churn_baseline.statistics["dataset"]["item_count"] == 2333
    assert len(ours) == 70
    assert len(ref["features"]) == 29
    for r in ref["features"]:
        a = ours[r["name"]]
        assert a["inferred_type"] == r["inferred_type"]
        na, nr = _num(a), _num(r)
        assert na["common"] == nr["common"]
        for key in ("mean", "sum", "std_dev", "min", "max"):
            assert na[key] == pytest.approx(nr[key], rel=1e-9), (r["name"], key)
        ba = na["distribution"]["kll"]["buckets"]
        br = nr["distribution"]["kll"]["buckets"]
        assert len(ba) == len(br) == 10
        for x, y in zip(ba, br, strict=True):
            assert x["lower_bound"] == pytest.approx(y["lower_bound"])
            assert x["upper_bound"] == pytest.approx(y["upper_bound"])
            # 2333 rows exceed k once: one compaction (weight 2) in each sketch
            assert abs(x["count"] - y["count"]) <= 4, (r["name"], x, y)
        # the sketch holds every row's weight: level i items weigh 2**i
        data = na["distribution"]["kll"]["sketch"]["data"]
        assert sum(len(level) * 2**i for i, level in enumerate(data)) == 2333


def test_churn_constraints_agree_feature_by_feature(churn_baseline, mm):
    ref = json.loads((mm / CHURN_CONS).read_text())
    ours = {f["name"]: f for f in churn_baseline.constraints["features"]}
    assert [f["name"] for f in churn_baseline.constraints["features"]] == [
        f["name"] for f in ref["features"]
    ]
    for r in ref["features"]:
        assert ours[r["name"]] == r
    assert churn_baseline.constraints["monitoring_config"] == ref["monitoring_config"]


def test_string_columns_domains_and_types():
    # 'city' has 3 values, no singletons -> a domain; 'id' is all singletons -> no domain
    df = pd.DataFrame(
        {
            "city": ["a", "b", "c", "a", "b", "c", None, "a"],
            "id": [f"u{i}" for i in range(8)],
            "n": [1, -2, 3, 4, 5, 6, 7, 8],
            "x": [0.5, 1.5, np.nan, 2.5, 3.5, 4.5, 5.5, 6.5],
            "flag": [True, False, True, True, False, True, True, True],
        }
    )
    b = suggest_baseline(df)
    feats = {f["name"]: f for f in b.statistics["features"]}
    city = feats["city"]["string_statistics"]
    assert feats["city"]["inferred_type"] == "String"
    assert city["common"] == {"num_present": 7, "num_missing": 1}
    assert city["distinct_count"] == 3.0
    assert city["distribution"]["categorical"]["buckets"] == [
        {"value": "a", "count": 3},
        {"value": "b", "count": 2},
        {"value": "c", "count": 2},
    ]
    assert feats["n"]["inferred_type"] == "Integral"
    assert feats["x"]["inferred_type"] == "Fractional"
    assert feats["x"]["numerical_statistics"]["common"] == {"num_present": 7, "num_missing": 1}
    assert feats["x"]["numerical_statistics"]["mean"] == pytest.approx(24.5 / 7)
    assert feats["flag"]["inferred_type"] == "String"
    cons = {f["name"]: f for f in b.constraints["features"]}
    assert cons["city"]["string_constraints"]["domains"] == ["a", "b", "c"]
    assert cons["city"]["completeness"] == pytest.approx(7 / 8)
    assert "string_constraints" not in cons["id"]
    assert "num_constraints" not in cons["n"]  # min is -2
    assert cons["x"]["num_constraints"] == {"is_non_negative": True}


def test_streaming_parquet_equals_in_memory(tmp_path):
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"a": rng.normal(size=200_000), "b": rng.integers(0, 9, 200_000)})
    pq.write_table(pa.Table.from_pandas(df), tmp_path / "d.parquet", row_group_size=30_000)
    streamed = suggest_baseline(str(tmp_path / "*.parquet"))
    a = _num(streamed.statistics["features"][0])
    assert a["common"]["num_present"] == 200_000
    assert a["mean"] == pytest.approx(df["a"].mean(), abs=1e-12)
    assert a["std_dev"] == pytest.approx(df["a"].std(ddof=0), rel=1e-10)
    assert a["sum"] == pytest.approx(df["a"].sum(), abs=1e-8)
    buckets = a["distribution"]["kll"]["buckets"]
    assert sum(b["count"] for b in buckets) == 200_000
    # the sketch's buckets follow the exact histogram within KLL's rank error (~1% of n)
    exact, _ = np.histogram(df["a"], bins=10, range=(a["min"], a["max"]))
    assert np.abs(np.array([b["count"] for b in buckets]) - exact).max() < 0.01 * 200_000
    assert streamed.statistics["features"][1]["inferred_type"] == "Integral"


def test_mixed_object_column_is_text_and_arrow_input():
    df = pd.DataFrame({"m": [1, "two", 3.5, None]})
    b = suggest_baseline(pa.Table.from_pandas(pd.DataFrame({"v": [1.0, 2.0]})))
    assert b.statistics["features"][0]["inferred_type"] == "Fractional"
    m = suggest_baseline(df).statistics["features"][0]
    assert m["inferred_type"] == "String"
    assert m["string_statistics"]["common"] == {"num_present": 3, "num_missing": 1}


def test_save_and_load_round_trip(tmp_path):
    b = suggest_baseline(pd.DataFrame({"a": [1, 2, 3]}))
    b.save(tmp_path / "base")
    again = Baseline.load(tmp_path / "base")
    assert again.statistics == json.loads(json.dumps(b.statistics))
    assert again.constraints == b.constraints


def test_bad_inputs_have_clear_messages(tmp_path):
    with pytest.raises(MonitorInputError, match="does not exist"):
        suggest_baseline(str(tmp_path / "nope.csv"))
    with pytest.raises(MonitorInputError, match="no files match"):
        suggest_baseline(str(tmp_path / "*.parquet"))
    with pytest.raises(MonitorInputError, match="unknown dataset_format"):
        suggest_baseline(pd.DataFrame({"a": [1]}), dataset_format={"xml": {}})
    with pytest.raises(MonitorInputError, match="no rows"):
        suggest_baseline(pd.DataFrame({"a": pd.Series([], dtype=float)}))
    (tmp_path / "newer").mkdir()
    (tmp_path / "newer" / "constraints.json").write_text('{"version": 1.0, "features": []}')
    with pytest.raises(BaselineError, match="newer than the supported"):
        Baseline.load(tmp_path / "newer")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "statistics.json").write_text("{not json")
    with pytest.raises(BaselineError, match="invalid JSON at line 1"):
        Baseline.load(tmp_path / "broken")


def test_distinct_count_estimate_for_high_cardinality():
    values = [f"id-{i}" for i in range(30_000)]
    b = suggest_baseline(pd.DataFrame({"id": values}))
    s = b.statistics["features"][0]["string_statistics"]
    assert math.isclose(s["distinct_count"], 30_000, rel_tol=0.06)
    assert "distribution" not in s  # above Deequ's 120-value histogram limit


def test_progress_on_parquet_counts_rows(tmp_path):
    df = pd.DataFrame({"a": np.arange(150_000, dtype=float)})
    pq.write_table(pa.Table.from_pandas(df), tmp_path / "p.parquet", row_group_size=50_000)
    calls = []
    suggest_baseline(str(tmp_path / "p.parquet"), progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions)
    assert 0 < fractions[0] < 0.95 and fractions[-1] == 1.0
    assert calls[-1][1] == "baseline of 150000 rows, 1 features"


def test_ragged_csv_names_the_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(
        MonitorInputError, match=r"bad\.csv: cannot read as CSV.*Expected 2 columns"
    ):
        suggest_baseline(bad)
