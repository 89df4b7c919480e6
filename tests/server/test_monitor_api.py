"""The model-monitor REST routes against a real in-process Jupyter server and real job workers."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

FINAL = ("completed", "failed", "cancelled", "interrupted")


def _csv(path: Path, shift: float, rows: int = 200) -> None:
    # x: 0..199 (+shift); y: the same in both files; c: two categories, alternating.
    lines = ["x,y,c"]
    for i in range(rows):
        lines.append(f"{i + shift},{i % 10},{'ab'[i % 2]}")
    path.write_text("\n".join(lines) + "\n")


async def wait_state(api, job_id, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        code, job = await api(f"jobs/{job_id}")
        assert code == 200
        if job["state"] in FINAL:
            return job
        assert time.monotonic() < deadline, f"job stuck in {job['state']}"
        await asyncio.sleep(0.1)


@pytest.fixture
def data(jp_root_dir):
    d = jp_root_dir / "data"
    d.mkdir()
    _csv(d / "train.csv", 0)
    _csv(d / "today.csv", 100)  # half of x's range moves out: CDF distance 0.5
    return d


async def _baseline(api, out="mon/base"):
    code, job = await api("monitor/baseline", "POST", {"data": "data/train.csv", "out": out})
    assert code == 201, job
    assert job["kind"] == "monitor-baseline"
    done = await wait_state(api, job["id"])
    assert done["state"] == "completed", done["error"]
    return done


async def test_baseline_then_analyze_flags_the_shifted_feature(api, data, jp_root_dir):
    done = await _baseline(api)
    base = jp_root_dir / "mon" / "base"
    assert (base / "statistics.json").is_file() and (base / "constraints.json").is_file()
    features = {f["name"]: f["inferred_type"] for f in done["result"]["features"]}
    assert features == {"x": "Integral", "y": "Integral", "c": "String"}
    assert done["result"]["rows"] == 200

    code, job = await api(
        "monitor/analyze",
        "POST",
        {"data": "data/today.csv", "baseline": "mon/base", "name": "daily", "out": "mon/run1"},
    )
    assert code == 201, job
    done = await wait_state(api, job["id"])
    assert done["state"] == "completed", done["error"]
    result = done["result"]
    assert result["drifted"] == ["x"]
    drift = {d["feature"]: d for d in result["drift"]}
    # Robust L-infinity: 0.5 minus the KS critical value 1.8*sqrt(400/40000) = 0.18.
    assert drift["x"]["distance"] == pytest.approx(0.5 - 0.18, abs=1e-9)
    assert drift["x"]["method"] == "linf_robust" and drift["x"]["drifted"] is True
    assert drift["y"]["distance"] == 0.0 and drift["c"]["drifted"] is False
    assert result["status"] == "CompletedWithViolations"
    assert [(v["feature_name"], v["constraint_check_type"]) for v in result["violations"]] == [
        ("x", "baseline_drift_check")
    ]
    written = json.loads((jp_root_dir / "mon" / "run1" / "constraint_violations.json").read_text())
    assert written["violations"] == result["violations"]
    names = sorted(Path(p).name for p in done["artifacts"])
    assert names == [
        "constraint_violations.json",
        "drift.vl.json",
        "features.vl.json",
        "statistics.json",
    ]

    code, plots = await api(f"monitor/plots/{job['id']}")
    assert code == 200, plots
    assert plots["drifted"] == ["x"] and plots["name"] == "daily"
    assert plots["drift"]["$schema"].endswith("vega-lite/v5.json")
    bars = {r["feature"]: r["drifted"] for r in plots["drift"]["data"]["values"]}
    assert bars == {"x": True, "y": False, "c": False}
    assert sorted(plots["features"]) == ["c", "x", "y"]

    code, hist = await api("monitor/history", params={"name": "daily"})
    assert code == 200
    (run,) = hist["runs"]
    assert (run["status"], run["violations"], run["drifted"], run["rows"]) == (
        "CompletedWithViolations",
        1,
        1,
        200,
    )
    assert run["metrics"]["drift"]["x"] == pytest.approx(0.32)


async def test_bad_requests_write_no_job(api, data, jp_root_dir):
    (jp_root_dir / "empty").mkdir()
    (jp_root_dir / "afile.txt").write_text("x")
    cases = [
        ("monitor/baseline", {"data": "data/train.csv"}, 400, "bad_parameters"),
        ("monitor/baseline", {"data": "../x.csv", "out": "b"}, 403, "path_outside_root"),
        ("monitor/baseline", {"data": "data/train.csv", "out": "/tmp/b"}, 403, None),
        ("monitor/baseline", {"data": "data/train.csv", "out": "afile.txt"}, 400, None),
        ("monitor/baseline", {"data": "nope.csv", "out": "b"}, 404, "file_not_found"),
        (
            "monitor/baseline",
            {"data": "data/train.csv", "out": "b", "dataset_format": "xml"},
            400,
            "monitor_input_error",
        ),
        ("monitor/analyze", {"data": "data/today.csv", "baseline": "empty"}, 400, None),
        ("monitor/analyze", {"data": "data/today.csv"}, 400, None),
        ("monitor/quality", {"data": "data/today.csv", "problem_type": "Ranking"}, 400, None),
    ]
    for route, body, status, code in cases:
        got, err = await api(route, "POST", body)
        assert got == status, (route, body, err)
        if code:
            assert err["error"]["code"] == code, err
    _, listing = await api("jobs")
    assert listing["total"] == 0
    assert not (jp_root_dir / "b").exists()


async def test_analyze_refuses_a_newer_baseline_and_a_bad_config(api, data, jp_root_dir):
    base = jp_root_dir / "newer"
    base.mkdir()
    (base / "statistics.json").write_text('{"version": 9.0, "dataset": {}, "features": []}')
    body = {"data": "data/today.csv", "baseline": "newer"}
    code, err = await api("monitor/analyze", "POST", body)
    assert code == 400 and err["error"]["code"] == "baseline_error"
    assert "newer than the supported version" in err["error"]["message"]
    await _baseline(api)
    code, err = await api(
        "monitor/analyze",
        "POST",
        {"data": "data/today.csv", "baseline": "mon/base", "config": {"comparison_method": "X"}},
    )
    assert code == 400 and err["error"]["code"] == "config_error"


async def test_plots_need_a_completed_analyze_job(api, data):
    done = await _baseline(api)
    code, err = await api(f"monitor/plots/{done['id']}")
    assert code == 400 and "monitor-analyze" in err["error"]["message"]
    code, err = await api(f"monitor/plots/{'0' * 32}")
    assert code == 404
    code, err = await api("monitor/history")
    assert code == 400 and err["error"]["details"]["field"] == "name"


async def test_quality_job_computes_metrics_and_violations(api, jp_root_dir):
    # 4 rows: TP, TN, FP, TP -> accuracy 0.75, recall 1.0, precision 2/3.
    (jp_root_dir / "preds.csv").write_text("label,prediction\n1,1\n0,0\n0,1\n1,1\n")
    code, job = await api(
        "monitor/quality",
        "POST",
        {"data": "preds.csv", "problem_type": "BinaryClassification", "out": "mq"},
    )
    assert code == 201, job
    done = await wait_state(api, job["id"])
    assert done["state"] == "completed", done["error"]
    metrics = done["result"]["metrics"]
    assert metrics["accuracy"] == pytest.approx(0.75)
    assert metrics["recall"] == pytest.approx(1.0)
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert done["result"]["violations"] is None  # no constraints given: they are suggested
    cons = json.loads((jp_root_dir / "mq" / "constraints.json").read_text())
    assert cons["binary_classification_constraints"]["accuracy"]["threshold"] == 0.75

    # Against stricter constraints: accuracy below 0.9 is a violation.
    (jp_root_dir / "strict.json").write_text(
        json.dumps(
            {
                "version": 0.0,
                "binary_classification_constraints": {
                    "accuracy": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"}
                },
            }
        )
    )
    code, job = await api(
        "monitor/quality",
        "POST",
        {"data": "preds.csv", "problem_type": "BinaryClassification", "constraints": "strict.json"},
    )
    done = await wait_state(api, job["id"])
    assert [v["metric_name"] for v in done["result"]["violations"]] == ["accuracy"]


async def test_a_monitoring_schedule_runs_an_analysis(api, data):
    await _baseline(api)
    code, sched = await api(
        "schedules",
        "POST",
        {
            "kind": "monitor-analyze",
            "cron": "* * * * * *",
            "name": "hourly drift",
            "parameters": {"data": "data/today.csv", "baseline": "mon/base", "name": "sched"},
        },
    )
    assert code == 201, sched
    deadline = time.monotonic() + 30
    while True:
        _, runs = await api("jobs", params={"schedule_id": sched["id"]})
        if runs["jobs"]:
            break
        assert time.monotonic() < deadline, "the schedule never ran"
        await asyncio.sleep(0.2)
    code, _ = await api(f"schedules/{sched['id']}", "PATCH", {"enabled": False})
    assert code == 200
    first = runs["jobs"][-1]
    assert first["kind"] == "monitor-analyze" and first["origin"] == "schedule"
    done = await wait_state(api, first["id"])
    assert done["state"] == "completed", done["error"]
    assert done["result"]["drifted"] == ["x"]
    _, hist = await api("monitor/history", params={"name": "sched"})
    assert len(hist["runs"]) >= 1 and hist["runs"][0]["drifted"] == 1
