"""Metric history in SQLite, dynamic rules and DetectAnomalies across runs."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pandas as pd

from jupyter_mlkit.quality import MetricHistory, evaluate

T0 = datetime(2024, 1, 1)


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"v": list(range(n))})


def run(rules: str, n: int, day: int, history="orders"):
    return evaluate(f"Rules = [ {rules} ]", frame(n), history=history,
                    now=T0 + timedelta(days=day))  # fmt: skip


def test_runs_are_recorded_per_dataset_in_sqlite(tmp_path, monkeypatch):
    db = tmp_path / "h.sqlite"
    monkeypatch.setenv("MLKIT_DB", str(db))
    run("RowCount > 0", 10, 0)
    run("RowCount > 0", 12, 1)
    run("RowCount > 0", 99, 2, history="other")
    h = MetricHistory("orders")
    assert h.last("Dataset.*.RowCount", 5) == [12.0, 10.0]  # newest first
    assert [v for _, v in h.series("Dataset.*.RowCount")] == [10.0, 12.0]
    assert len(h.runs()) == 2 and h.runs()[0]["score"] == 1.0
    rows = sqlite3.connect(db).execute("select count(*) from dq_metric_history").fetchone()
    assert rows[0] == 3


def test_dynamic_rule_uses_previous_runs_only():
    for day, n in enumerate([10, 20, 30]):
        run("RowCount > 0", n, day)
    # avg(last(3)) = 20; 0.8 * 20 = 16
    res = run("RowCount > avg(last(3)) * 0.8", 17, 3)
    assert res.outcomes[0].outcome == "Passed"
    assert res.outcomes[0].evaluated_rule == "RowCount > 16.0"
    res = run("RowCount > avg(last(3)) * 0.8", 15, 4)
    # last(3) now = 17, 30, 20 -> avg 22.33 -> 17.87: 15 fails
    assert res.outcomes[0].outcome == "Failed"
    res = run("RowCount between min(last(2)) - 1 and max(last(2)) + 1", 16, 5)
    assert res.outcomes[0].outcome == "Passed"  # last(2) = 15, 17 -> (14, 18)
    res = run("RowCount = index(last(3), 0)", 16, 6)
    assert res.outcomes[0].outcome == "Passed"  # the newest previous value is 16


def test_dynamic_rule_without_history_passes_with_a_reason():
    res = evaluate("Rules = [ RowCount > avg(last(3)) ]", frame(3))
    assert res.outcomes[0].outcome == "Passed"
    assert "history" in res.outcomes[0].message
    res = run("RowCount > avg(last(3))", 3, 0, history="fresh")
    assert res.outcomes[0].outcome == "Passed" and "no previous runs" in res.outcomes[0].message


def test_list_where_number_needed_is_an_error():
    run("RowCount > 0", 5, 0)
    res = run("RowCount > last(3)", 5, 1)
    assert res.outcomes[0].outcome == "Error" and "aggregation" in res.outcomes[0].message


def test_detect_anomalies_needs_history_then_flags_outliers():
    rule = 'DetectAnomalies "RowCount"'
    res = run(rule, 100, 0)
    assert res.outcomes[0].outcome == "Passed" and "need 3" in res.outcomes[0].message
    for day, n in enumerate([100, 102, 98, 101], start=1):
        assert run(rule, n, day).outcomes[0].outcome == "Passed"
    res = run(rule, 500, 10)
    out = res.outcomes[0]
    assert out.outcome == "Failed"
    assert "ANOMALY" in out.message and "mean" in out.message and "5 previous runs" in out.message
    obs = res.observations[0]["MetricBasedObservation"]
    assert obs["MetricName"] == "Dataset.*.RowCount" and obs["MetricValues"]["ActualValue"] == 500
    assert obs["MetricValues"]["LowerLimit"] < 100 < obs["MetricValues"]["UpperLimit"]
    assert obs["NewRules"][0].startswith("RowCount between")


def test_detect_anomalies_on_a_column_metric():
    rule = 'DetectAnomalies of Completeness of "v"'
    for day in range(4):
        run(rule, 10, day)
    res = run(rule, 10, 5)
    assert res.outcomes[0].outcome == "Passed"
    assert res.outcomes[0].metrics == {"Column.v.Completeness": 1.0}
