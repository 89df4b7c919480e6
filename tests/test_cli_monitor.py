"""``mlkit monitor``: exit codes, the drift table, JSON output, quality and schedules."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from jupyter_mlkit.cli import main
from jupyter_mlkit.jobs import ScheduleStore
from jupyter_mlkit.monitor.history import runs


def _csv(path, shift, rows=200):
    lines = ["x,y,c"] + [f"{i + shift},{i % 10},{'ab'[i % 2]}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _csv(tmp_path / "train.csv", 0)
    _csv(tmp_path / "same.csv", 0)
    _csv(tmp_path / "shifted.csv", 100)
    return tmp_path


BAD_CONFIG = '{"comparison_method": 1}'


def run(*args):
    return CliRunner().invoke(main, ["monitor", *args])


def test_baseline_writes_the_two_files(files):
    res = run("baseline", "train.csv", "--out", "base")
    assert res.exit_code == 0, res.output
    assert "baseline of 200 rows, 3 features written to base" in res.output
    cons = json.loads((files / "base" / "constraints.json").read_text())
    assert [(f["name"], f["inferred_type"]) for f in cons["features"]] == [
        ("x", "Integral"),
        ("y", "Integral"),
        ("c", "String"),
    ]
    assert (files / "base" / "statistics.json").is_file()


def test_analyze_exit_codes_and_drift_table(files):
    assert run("baseline", "train.csv", "--out", "base").exit_code == 0
    same = run("analyze", "same.csv", "--baseline", "base")
    assert same.exit_code == 0, same.output
    assert "no violations" in same.output and "0 of 3 features drifted" in same.output

    res = run("analyze", "shifted.csv", "--baseline", "base", "--out", "run1", "--name", "daily")
    assert res.exit_code == 1, res.output
    lines = res.output.splitlines()
    assert lines[0].split() == ["feature", "method", "distance", "threshold", "drifted"]
    # x: CDF distance 0.5 minus the KS critical value 1.8*sqrt(400/40000) = 0.18
    assert lines[2].split() == ["x", "linf_robust", "0.3200", "0.1", "YES"]
    assert "x: baseline_drift_check: Baseline drift distance" in res.output
    written = json.loads((files / "run1" / "constraint_violations.json").read_text())
    assert [v["feature_name"] for v in written["violations"]] == ["x"]
    (hist,) = runs("daily")
    assert (hist["violations"], hist["drifted"], hist["output_dir"]) == (1, 1, "run1")


def test_analyze_json_and_config(files):
    run("baseline", "train.csv", "--out", "base")
    res = run(
        "analyze",
        "shifted.csv",
        "--baseline",
        "base",
        "--json",
        "--config",
        '{"comparison_method": "Simple"}',
    )
    assert res.exit_code == 1
    summary = json.loads(res.output)
    drift = {d["feature"]: d for d in summary["drift"]}
    assert drift["x"]["method"] == "linf_simple" and drift["x"]["distance"] == pytest.approx(0.5)
    assert summary["drifted"] == ["x"] and summary["violation_count"] == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["analyze", "shifted.csv", "--baseline", "nowhere"], "baseline directory"),
        (["analyze", "missing.csv", "--baseline", "base"], "does not exist"),
        (["analyze", "shifted.csv", "--baseline", "base", "--config", "{"], "--config"),
        (
            ["analyze", "shifted.csv", "--baseline", "base", "--config", BAD_CONFIG],
            "comparison_method",
        ),
        (["baseline", "empty.csv", "--out", "b2"], "no rows"),
        (["baseline", "train.csv", "--out", "train.csv"], "train.csv"),
    ],
)
def test_errors_exit_2_with_one_line(files, args, message):
    run("baseline", "train.csv", "--out", "base")
    (files / "empty.csv").write_text("x,y\n")
    res = run(*args)
    assert res.exit_code == 2, res.output
    assert message in res.stderr and "Traceback" not in res.output
    assert not (files / "b2").exists()


def test_quality_metrics_and_violations(files):
    # TP, TN, FP, TP: accuracy 0.75
    (files / "preds.csv").write_text("label,prediction\n1,1\n0,0\n0,1\n1,1\n")
    res = run("quality", "preds.csv", "--problem-type", "BinaryClassification", "--out", "mq")
    assert res.exit_code == 0, res.output
    assert "constraints suggested in mq" in res.output
    assert "accuracy" in res.output and (files / "mq" / "constraints.json").is_file()
    (files / "strict.json").write_text(
        json.dumps(
            {
                "version": 0.0,
                "binary_classification_constraints": {
                    "accuracy": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"}
                },
            }
        )
    )
    res = run(
        "quality",
        "preds.csv",
        "--problem-type",
        "BinaryClassification",
        "--constraints",
        "strict.json",
        "--json",
    )
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    assert out["metrics"]["accuracy"] == pytest.approx(0.75)
    assert [v["metric_name"] for v in out["violations"]] == ["accuracy"]
    res = run("quality", "preds.csv", "--problem-type", "Regression", "--label", "nope")
    assert res.exit_code == 2 and "column 'nope' not found" in res.stderr


def test_schedule_creates_a_row(files):
    run("baseline", "train.csv", "--out", "base")
    res = run("schedule", "shifted.csv", "--baseline", "base", "--cron", "0 * * * *")
    assert res.exit_code == 0, res.output
    (row,) = ScheduleStore().list(kind="monitor-analyze")
    assert res.output.startswith(f"schedule {row['id']} (0 * * * *)")
    assert row["parameters"]["baseline"] == str((files / "base").resolve())
    assert row["parameters"]["name"] == "shifted.csv" and row["enabled"] is True
    bad = run("schedule", "shifted.csv", "--baseline", "base", "--cron", "often")
    assert bad.exit_code == 2 and "not a valid cron expression" in bad.stderr
    outside = run("schedule", "/etc/hostname", "--baseline", "base", "--cron", "0 * * * *")
    assert outside.exit_code == 2 and "outside" in outside.stderr
