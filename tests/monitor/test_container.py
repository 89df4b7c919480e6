"""Container mode, run as a real subprocess with the analyzer's environment variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHURN = "amazon-sagemaker-examples_introduction_training-dataset-with-header.csv"


def run_container(env_vars: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "HOME", "LANG"))}
    env["PYTHONPATH"] = str(ROOT)
    env["output_message_file"] = str(tmp_path / "message")
    env.update(env_vars)
    return subprocess.run(
        [sys.executable, "-m", "jupyter_mlkit.monitor.container"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_baseline_then_monitoring_job(tmp_path, datasets, captures, mm):
    src = tmp_path / "baseline_dataset_input"
    src.mkdir()
    (src / "training.csv").write_bytes((datasets / CHURN).read_bytes())
    # the exact environment of the introduction notebook's baseline job (from its log)
    p = run_container(
        {
            "dataset_format": '{"csv": {"header": true, "output_columns_position": "START"}}',
            "dataset_source": str(src),
            "output_path": str(tmp_path / "baseline"),
            "publish_cloudwatch_metrics": "Disabled",
        },
        tmp_path,
    )
    assert p.returncode == 0, p.stderr
    cons = json.loads((tmp_path / "baseline" / "constraints.json").read_text())
    ref = json.loads(
        (
            mm / "amazon-sagemaker-examples_model-monitor-introduction_baseline_constraints.json"
        ).read_text()
    )
    assert cons == ref
    assert json.loads((tmp_path / "baseline" / "statistics.json").read_text())["dataset"] == {
        "item_count": 2333
    }

    endpoint = tmp_path / "endpoint" / "churn" / "AllTraffic" / "2022" / "04" / "18" / "00"
    endpoint.mkdir(parents=True)
    (endpoint / "capture.jsonl").write_bytes(
        (
            captures / "amazon-sagemaker-examples_model-monitor-introduction_capture-excerpt.jsonl"
        ).read_bytes()
    )
    cw = tmp_path / "cw"
    p = run_container(
        {
            "dataset_format": json.dumps(
                {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}
            ),
            "dataset_source": str(tmp_path / "endpoint"),
            "output_path": str(tmp_path / "out"),
            "baseline_constraints": str(tmp_path / "baseline" / "constraints.json"),
            "baseline_statistics": str(tmp_path / "baseline" / "statistics.json"),
            "publish_cloudwatch_metrics": "Enabled",
            "cloudwatch_metrics_directory": str(cw),
            "sagemaker_endpoint_name": "churn",
            "sagemaker_monitoring_schedule_name": "hourly",
        },
        tmp_path,
    )
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout.strip().splitlines()[-1])
    assert summary["status"] == "CompletedWithViolations"
    violations = json.loads((tmp_path / "out" / "constraint_violations.json").read_text())[
        "violations"
    ]
    # the prediction lands in "Churn" (output first): a fractional score is not Integral
    assert {
        "feature_name": "Churn",
        "constraint_check_type": "data_type_check",
        "description": "Data type match requirement is not met. Expected data type: Integral, "
        "Expected match: 100.0%. Observed: Only 0.0% of data is Integral.",
    } in violations
    metrics = [json.loads(ln) for ln in (cw / "metrics.jsonl").read_text().splitlines()]
    names = {m["MetricName"] for m in metrics}
    assert {
        "feature_baseline_drift_Churn",
        "feature_non_null_Churn",
        "feature_data_Account Length",
    } <= names
    first = metrics[0]
    assert first["Dimensions"] == [
        {"Name": "Endpoint", "Value": "churn"},
        {"Name": "MonitoringSchedule", "Value": "hourly"},
    ]
    assert first["Timestamp"].endswith("Z")


def test_model_quality_job(tmp_path, datasets, mm):
    src = tmp_path / "in"
    src.mkdir()
    (src / "d.csv").write_bytes(
        (datasets / "sagemaker-python-sdk_qcs_model_quality_baseline_dataset.csv").read_bytes()
    )
    env = {
        "analysis_type": "MODEL_QUALITY",
        "problem_type": "Regression",
        "dataset_format": '{"csv": {"header": true}}',
        "dataset_source": str(src),
        "output_path": str(tmp_path / "mq"),
        "inference_attribute": "Prediction",
        "ground_truth_attribute": "Label",
        "baseline_constraints": str(
            mm / "sagemaker-python-sdk_qcs_model_quality_bad_cases_constraints.json"
        ),
        "publish_cloudwatch_metrics": "Disabled",
    }
    p = run_container(env, tmp_path)
    assert p.returncode == 0, p.stderr
    v = json.loads((tmp_path / "mq" / "constraint_violations.json").read_text())["violations"]
    assert [x["metric_name"] for x in v] == ["mse"]


def test_failure_writes_message(tmp_path):
    p = run_container({"output_path": str(tmp_path / "o")}, tmp_path)
    assert p.returncode == 1
    assert "dataset_source is not set" in p.stderr
    assert "dataset_source is not set" in (tmp_path / "message").read_text()
    assert not (tmp_path / "o").exists()


def test_capture_window_filter_and_preprocessor(tmp_path):
    """Records outside [start_time, end_time) are left out; the preprocessor shapes features."""
    base_dir = tmp_path / "base"
    base_dir.mkdir()
    (base_dir / "train.csv").write_text("a,b\n" + "\n".join(f"{i % 5},{i % 3}" for i in range(100)))
    p = run_container(
        {
            "dataset_source": str(base_dir),
            "output_path": str(tmp_path / "b"),
            "dataset_format": '{"csv": {"header": true}}',
        },
        tmp_path,
    )
    assert p.returncode == 0, p.stderr

    def rec(i: int, hour: int) -> str:
        return json.dumps(
            {
                "captureData": {
                    "endpointInput": {
                        "data": f"{i % 5},{i % 3}",
                        "encoding": "CSV",
                        "observedContentType": "text/csv",
                        "mode": "INPUT",
                    },
                },
                "eventMetadata": {
                    "eventId": f"e{i}",
                    "inferenceTime": f"2024-01-01T{hour:02d}:30:00Z",
                },
                "eventVersion": "0",
            }
        )

    src = tmp_path / "ep"
    src.mkdir()
    lines = [rec(i, 5) for i in range(40)] + [rec(i, 7) for i in range(40, 50)]
    (src / "c.jsonl").write_text("\n".join(lines) + "\n")
    script = tmp_path / "pre.py"
    script.write_text(
        "def preprocess_handler(inference_record):\n"
        "    a, b = inference_record.endpoint_input.data.split(',')\n"
        "    return {'a': int(a), 'b': int(b)}\n"
    )
    p = run_container(
        {
            "dataset_source": str(src),
            "output_path": str(tmp_path / "o"),
            "dataset_format": '{"sagemakerCaptureJson": {}}',
            "record_preprocessor_script": str(script),
            "baseline_statistics": str(tmp_path / "b" / "statistics.json"),
            "baseline_constraints": str(tmp_path / "b" / "constraints.json"),
            "start_time": "2024-01-01T05:00:00Z",
            "end_time": "2024-01-01T06:00:00Z",
        },
        tmp_path,
    )
    assert p.returncode == 0, p.stderr
    stats = json.loads((tmp_path / "o" / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == 40
    assert [f["name"] for f in stats["features"]] == ["a", "b"]
