"""The ``monitor-baseline`` and ``monitor-analyze`` jobs (model monitor; quality: monitor_quality).

``validate`` runs in the server before any row is written: every path (data, baseline folder,
output folder) resolves inside the server root, the baseline folder loads, the monitoring config
and dataset format are understood. ``run`` runs in the worker: it calls
:mod:`jupyter_mlkit.monitor`, writes SageMaker's files as artifacts (and to ``out`` when given),
the Vega-Lite plot specs, and the run history.
"""

from __future__ import annotations

import glob
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BadParameters
from ..paths import resolve_inside
from .kinds import JobContext, JobKind, require

DRIFT_PLOT = "drift.vl.json"
FEATURE_PLOTS = "features.vl.json"
MAX_VIOLATIONS = 1000


@contextmanager
def monitor_errors(field: str | None = None) -> Iterator[None]:
    """Turn the monitor core's input errors (ValueError subclasses) into a 400 naming the field."""
    from ..monitor import BaselineError, ConfigError, MonitorInputError
    from ..monitor.model_quality import ModelQualityError

    try:
        yield
    except BaselineError as exc:
        raise BadParameters(str(exc), code="baseline_error", details={"field": "baseline"}) from exc
    except ConfigError as exc:
        raise BadParameters(str(exc), code="config_error", details={"field": "config"}) from exc
    except (MonitorInputError, ModelQualityError) as exc:
        raise BadParameters(
            str(exc), code="monitor_input_error", details={"field": field or "data"}
        ) from exc


def clean_json(value: Any) -> Any:
    """``value`` with NaN and infinities as None: browsers' JSON.parse rejects them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


def write_artifact(ctx: JobContext, name: str, doc: Any) -> Path:
    path = ctx.artifacts_dir / name
    tmp = path.with_name(f".{name}.tmp")
    tmp.write_text(json.dumps(clean_json(doc), indent=2), encoding="utf-8")
    tmp.replace(path)  # never a half-written file under the final name
    ctx.add_artifact(path)
    return path


# -- validation ------------------------------------------------------------------------------
def data_param(params: dict[str, Any], root: Path, field: str = "data") -> str:
    raw = require(params, field, str)
    path = resolve_inside(root, raw)
    if not glob.has_magic(str(path)) and path.is_dir() and not any(path.iterdir()):
        raise BadParameters(f"folder '{raw}' is empty", details={"field": field})
    return str(path)


def out_param(params: dict[str, Any], root: Path, *, required: bool) -> str | None:
    raw = require(params, "out", str, default=None if not required else ...)
    if raw is None or (not required and not raw.strip()):
        return None
    path = resolve_inside(root, raw, must_exist=False)
    if glob.has_magic(raw):
        raise BadParameters("'out' must be a folder, not a pattern", details={"field": "out"})
    if path.exists() and not path.is_dir():
        raise BadParameters(f"'out' ({raw}) is a file; give a folder", details={"field": "out"})
    return str(path)


def _format(params: dict[str, Any]) -> Any:
    from ..monitor.sources import parse_dataset_format

    fmt = params.get("dataset_format")
    if fmt is None or fmt == "":
        return None
    if not isinstance(fmt, (str, dict)):
        raise BadParameters(
            "'dataset_format' must be a name (csv, json, parquet) or a SageMaker format object",
            details={"field": "dataset_format"},
        )
    with monitor_errors("dataset_format"):
        parse_dataset_format(fmt)
    return fmt


def baseline_dir(root: Path, raw: Any) -> Path:
    """A baseline folder inside the root that holds statistics.json and/or constraints.json."""
    if not isinstance(raw, str):
        raise BadParameters("parameter 'baseline' must be a folder", details={"field": "baseline"})
    path = resolve_inside(root, raw)
    if not path.is_dir():
        raise BadParameters(
            f"'baseline' ({raw}) must be a folder holding statistics.json and constraints.json",
            details={"field": "baseline"},
        )
    if not (path / "statistics.json").is_file() and not (path / "constraints.json").is_file():
        raise BadParameters(
            f"baseline folder '{raw}' holds neither statistics.json nor constraints.json "
            "(create one with a monitor-baseline job)",
            details={"field": "baseline"},
        )
    return path


def _validate_baseline(params: dict[str, Any], root: Path) -> dict[str, Any]:
    return {
        "data": data_param(params, root),
        "out": out_param(params, root, required=True),
        "dataset_format": _format(params),
    }


def _validate_analyze(params: dict[str, Any], root: Path) -> dict[str, Any]:
    from ..monitor import Baseline
    from ..monitor.config import resolve

    data = data_param(params, root)
    base_path = baseline_dir(root, params.get("baseline"))
    config = require(params, "config", dict, default=None)
    with monitor_errors("baseline"):
        base = Baseline.load(base_path)  # a bad or newer-version file is a 400 now, not later
        resolve(base.constraints.get("monitoring_config"), config)
    name = require(params, "name", str, default="") or str(params["data"])
    return {
        "data": data,
        "baseline": str(base_path),
        "config": config,
        "out": out_param(params, root, required=False),
        "name": name[:200],
        "dataset_format": _format(params),
    }


# -- running ---------------------------------------------------------------------------------
def drift_summary(result: Any) -> dict[str, Any]:
    """A compact JSON view of a MonitoringResult: status, violations and per-feature drift."""
    table = sorted(
        result.drift_table(),
        key=lambda r: -(r["distance"] if r["distance"] == r["distance"] else -1.0),
    )
    return clean_json(
        {
            "status": "CompletedWithViolations" if result.violations else "Completed",
            "rows": int(result.statistics.get("dataset", {}).get("item_count", 0)),
            "violation_count": len(result.violations),
            "violations": result.violations[:MAX_VIOLATIONS],
            "drift": [
                {
                    "feature": r["feature"],
                    "method": r["method"],
                    "distance": r["distance"],
                    "threshold": r["threshold"],
                    "drifted": bool(r["drifted"]),
                }
                for r in table
            ],
            "drifted": [r["feature"] for r in table if r["drifted"]],
            "custom_metrics": dict(result.custom_metrics),
        }
    )


def _save_into(out: str | None, save: Any) -> None:
    if out:
        save(out)


def _run_baseline(params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    from ..monitor import suggest_baseline

    ctx.progress(0.01, "profiling the baseline data")
    with monitor_errors():
        base = suggest_baseline(
            params["data"],
            dataset_format=params.get("dataset_format"),
            progress=lambda f, m: ctx.progress(0.95 * f, m),
        )
    base.save(params["out"])
    write_artifact(ctx, "statistics.json", base.statistics)
    write_artifact(ctx, "constraints.json", base.constraints)
    features = [
        {
            "name": f["name"],
            "inferred_type": f.get("inferred_type"),
            "completeness": f.get("completeness"),
        }
        for f in base.constraints.get("features", [])
    ]
    rows = int(base.statistics.get("dataset", {}).get("item_count", 0))
    ctx.progress(1.0, f"baseline of {rows} rows, {len(features)} features in {params['out']}")
    return clean_json({"out": params["out"], "rows": rows, "features": features})


def _run_analyze(params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    from ..monitor import Baseline, analyze
    from ..monitor.history import record_run
    from ..monitor.plots import drift_spec, feature_specs

    with monitor_errors():
        base = Baseline.load(params["baseline"])
        result = analyze(
            params["data"],
            base,
            config=params.get("config"),
            dataset_format=params.get("dataset_format"),
            progress=lambda f, m: ctx.progress(0.9 * f, m),
        )
    result.save(ctx.artifacts_dir)
    for name in ("statistics.json", "constraint_violations.json"):
        ctx.add_artifact(ctx.artifacts_dir / name)
    _save_into(params.get("out"), result.save)
    ctx.progress(0.95, "writing plots and history")
    write_artifact(ctx, DRIFT_PLOT, drift_spec(result))
    write_artifact(ctx, FEATURE_PLOTS, feature_specs(base, result))
    summary = drift_summary(result)
    output_dir = params.get("out") or str(ctx.artifacts_dir)
    summary["run_id"] = record_run(params["name"], result, output_dir=output_dir, db=ctx.db_path)
    summary["name"] = params["name"]
    summary["output_dir"] = output_dir
    ctx.progress(
        1.0,
        f"{summary['violation_count']} violations, "
        f"{len(summary['drifted'])} of {len(summary['drift'])} features drifted",
    )
    return summary


MONITOR_BASELINE = JobKind(
    name="monitor-baseline",
    title="Suggest a monitoring baseline",
    description="Profile data once (sketches, streamed) and write SageMaker Model Monitor's "
    "statistics.json and constraints.json to a folder.",
    validate=_validate_baseline,
    run=_run_baseline,
    schema={
        "data": "string (file, folder or glob relative to the server root)",
        "out": "string (folder relative to the server root; created)",
        "dataset_format": "string or object (optional: csv, json, parquet, sagemakerCaptureJson)",
    },
)

MONITOR_ANALYZE = JobKind(
    name="monitor-analyze",
    title="Check data against a baseline",
    description="The six data-quality checks and per-feature drift of a window against a "
    "baseline folder; writes constraint_violations.json, statistics.json, Vega-Lite plots and "
    "the run history.",
    validate=_validate_analyze,
    run=_run_analyze,
    schema={
        "data": "string (file, folder or glob relative to the server root; capture files too)",
        "baseline": "string (folder with statistics.json and constraints.json)",
        "config": "object (optional monitoring_config overrides)",
        "out": "string (optional folder for the SageMaker files)",
        "name": "string (optional; the history key, default the data path)",
        "dataset_format": "string or object (optional)",
    },
)
