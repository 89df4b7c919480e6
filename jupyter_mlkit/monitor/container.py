"""Run as the analyzer container: ``python -m jupyter_mlkit.monitor.container``.

Reads the environment variables SageMaker gives the ``sagemaker-model-monitor-analyzer`` image
(dataset_format, dataset_source, output_path, baseline_constraints, baseline_statistics,
publish_cloudwatch_metrics, analysis_type, problem_type, ...) and writes the same files, so it can
serve as a bring-your-own-container analyzer image. Exit status 0 also when violations are found
(the job is then ``CompletedWithViolations``); 1 with a message when the job could not run.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_CW_DIR = "/opt/ml/output/metrics/cloudwatch"
DEFAULT_MESSAGE_FILE = "/opt/ml/output/message"
DEFAULT_OUTPUT = "/opt/ml/processing/output"


def _enabled(value: str | None) -> bool:
    return str(value or "").strip().lower() in ("enabled", "true", "1")


def _column(df: Any, attr: str | None, fallback: str | None = None) -> str | None:
    """A CSV index ("0") or a column name, as the container's *_attribute variables allow."""
    if attr is None or attr == "":
        return fallback if fallback in getattr(df, "columns", []) else None
    if attr in df.columns:
        return attr
    if attr.isdigit() and f"_c{attr}" in df.columns:
        return f"_c{attr}"
    raise ValueError(f"attribute {attr!r} is not a column of the data ({list(df.columns)[:10]})")


def _in_window(df: Any, start: str | None, end: str | None) -> Any:
    """Keep records whose inferenceTime lies in [start_time, end_time): the service may put more
    than the requested hours under dataset_source."""
    import pandas as pd

    if not (start or end) or "inferenceTime" not in df.columns:
        return df

    def utc(value: str) -> Any:
        ts = pd.Timestamp(value)
        return ts.tz_convert("UTC") if ts.tz else ts.tz_localize("UTC")

    t = pd.to_datetime(df["inferenceTime"], utc=True, errors="coerce")
    keep = pd.Series(True, index=df.index)
    if start:
        keep &= t >= utc(start)
    if end:
        keep &= t < utc(end)
    return df[keep.fillna(False)]


def _data_frame(env: Mapping[str, str], source: str) -> Any:
    import pyarrow as pa

    from .capture import META_COLUMNS, read_capture
    from .sources import expand_paths, iter_batches, parse_dataset_format

    fmt = parse_dataset_format(env.get("dataset_format"))
    script = env.get("record_preprocessor_script") or None
    if (fmt and "sagemakerCaptureJson" in fmt) or script:
        position = ((fmt or {}).get("sagemakerCaptureJson") or {}).get(
            "output_columns_position", "START"
        )
        df = read_capture(expand_paths(source), preprocess=script, output_columns_position=position)
        df = _in_window(df, env.get("start_time"), env.get("end_time"))
        return df.drop(columns=[c for c in META_COLUMNS if c in df.columns])
    return pa.Table.from_batches(list(iter_batches(source, fmt))).to_pandas()


def _is_capture(env: Mapping[str, str]) -> bool:
    fmt = env.get("dataset_format") or ""
    return "sagemakerCaptureJson" in fmt or bool(env.get("record_preprocessor_script"))


def run(env: Mapping[str, str]) -> dict[str, Any]:
    """Do the job the environment describes; returns a summary."""
    from .alerts import (
        DATA_NAMESPACE,
        MODEL_NAMESPACE,
        data_quality_metrics,
        model_quality_metrics,
    )
    from .analysis import analyze
    from .baseline import Baseline, suggest_baseline, write_json

    source = env.get("dataset_source")
    if not source:
        raise ValueError("dataset_source is not set")
    out = Path(env.get("output_path") or DEFAULT_OUTPUT)
    cw_dir = Path(env.get("cloudwatch_metrics_directory") or DEFAULT_CW_DIR)
    publish = _enabled(env.get("publish_cloudwatch_metrics"))
    endpoint = env.get("sagemaker_endpoint_name")
    schedule = env.get("sagemaker_monitoring_schedule_name")
    stats_path, cons_path = env.get("baseline_statistics"), env.get("baseline_constraints")
    metrics: list[dict[str, Any]] = []
    summary: dict[str, Any] = {"output_path": str(out)}
    namespace = DATA_NAMESPACE

    if (env.get("analysis_type") or "").upper() == "MODEL_QUALITY":
        from .model_quality import (
            model_quality_statistics,
            model_quality_violations,
            suggest_model_quality_constraints,
        )

        df = _data_frame(env, source)
        threshold = env.get("probability_threshold_attribute")
        stats = model_quality_statistics(
            df,
            problem_type=env.get("problem_type") or "",
            inference_attribute=_column(df, env.get("inference_attribute"), "prediction")
            or "prediction",
            ground_truth_attribute=_column(df, env.get("ground_truth_attribute"), "groundTruth")
            or "label",
            probability_attribute=_column(df, env.get("probability_attribute")),
            probability_threshold=float(threshold) if threshold else 0.5,
            positive_label=env.get("positive_label") or 1,
        )
        write_json(out / "statistics.json", stats)
        if cons_path:
            cons = json.loads(Path(cons_path).read_text())
            violations = model_quality_violations(stats, cons)
            write_json(out / "constraint_violations.json", {"violations": violations})
            summary["violations"] = len(violations)
            metrics = model_quality_metrics(stats, endpoint=endpoint, schedule=schedule)
            namespace = MODEL_NAMESPACE
        else:
            write_json(out / "constraints.json", suggest_model_quality_constraints(stats))
    elif stats_path or cons_path:
        baseline = Baseline.load(statistics=stats_path, constraints=cons_path)
        config = {}
        if env.get("categorical_drift_method"):
            config["categorical_drift_method"] = env["categorical_drift_method"]
        data: Any = source
        fmt = env.get("dataset_format")
        if _is_capture(env):
            data, fmt = _data_frame(env, source), None
        result = analyze(data, baseline, config=config, dataset_format=fmt)
        result.save(out)
        summary["violations"] = len(result.violations)
        if result.config.get("emit_metrics", True):
            metrics = data_quality_metrics(result, endpoint=endpoint, schedule=schedule)
    else:
        mc = {}
        if env.get("categorical_drift_method"):
            mc["categorical_drift_method"] = env["categorical_drift_method"]
        data = source
        if env.get("record_preprocessor_script"):
            data = _data_frame(env, source)
        base = suggest_baseline(
            data, dataset_format=env.get("dataset_format"), monitoring_config=mc
        )
        base.save(out)
        summary["features"] = len(base.constraints["features"])

    if publish and metrics:
        cw_dir.mkdir(parents=True, exist_ok=True)
        tmp = cw_dir / ".metrics.jsonl.tmp"
        tmp.write_text("".join(json.dumps(m) + "\n" for m in metrics))
        os.replace(tmp, cw_dir / "metrics.jsonl")
        summary["metrics"] = len(metrics)
        summary["namespace"] = namespace
    script = env.get("post_analytics_processor_script")
    if script:
        import importlib.util

        spec = importlib.util.spec_from_file_location("_mlkit_postprocess", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        if callable(getattr(module, "postprocess_handler", None)):
            module.postprocess_handler()
    return summary


def main(argv: list[str] | None = None) -> int:
    env = dict(os.environ)
    message_file = Path(env.get("output_message_file") or DEFAULT_MESSAGE_FILE)
    try:
        summary = run(env)
    except Exception as exc:  # noqa: BLE001 - the container reports every failure as a message
        text = f"{type(exc).__name__}: {exc}"
        print(f"jupyter_mlkit monitor container failed: {text}", file=sys.stderr)
        if env.get("MLKIT_DEBUG"):
            traceback.print_exc()
        try:
            message_file.parent.mkdir(parents=True, exist_ok=True)
            message_file.write_text(text + "\n")
        except OSError:
            pass
        return 1
    status = "CompletedWithViolations" if summary.get("violations") else "Completed"
    print(json.dumps({"status": status, **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
