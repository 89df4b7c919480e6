"""The ``monitor-quality`` job: model-quality metrics of predictions against labels.

``validate`` (in the server, before any row is written) checks the problem type, the paths and a
constraints file; ``run`` (in the worker) computes SageMaker's metrics and either the violations
against the constraints or suggested constraints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import BadParameters
from ..paths import resolve_inside
from .kinds import JobContext, JobKind, require
from .monitor_kind import clean_json, data_param, monitor_errors, out_param, write_artifact

PROBLEM_TYPES = ("Regression", "BinaryClassification", "MulticlassClassification")


def _validate_quality(params: dict[str, Any], root: Path) -> dict[str, Any]:
    problem = require(params, "problem_type", str)
    if problem not in PROBLEM_TYPES:
        raise BadParameters(
            f"problem_type must be one of {', '.join(PROBLEM_TYPES)}",
            details={"field": "problem_type"},
        )
    out: dict[str, Any] = {
        "data": data_param(params, root),
        "problem_type": problem,
        "inference_attribute": require(params, "inference_attribute", str, default="prediction"),
        "ground_truth_attribute": require(params, "ground_truth_attribute", str, default="label"),
        "probability_attribute": require(params, "probability_attribute", str, default=None),
        "probability_threshold": float(
            require(params, "probability_threshold", (int, float), default=0.5)
        ),
        "positive_label": require(params, "positive_label", (str, int, float), default=1),
        "out": out_param(params, root, required=False),
        "ground_truth": None,
        "constraints": None,
    }
    if params.get("ground_truth") is not None:
        out["ground_truth"] = data_param(params, root, "ground_truth")
    if params.get("constraints") is not None:
        raw = require(params, "constraints", str)
        path = resolve_inside(root, raw)
        if path.is_dir():
            path = path / "constraints.json"
        if not path.is_file():
            raise BadParameters(
                f"'{raw}' holds no constraints.json", details={"field": "constraints"}
            )
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadParameters(
                f"'{raw}' is not JSON: {exc}", details={"field": "constraints"}
            ) from exc
        if not isinstance(doc, dict) or not any(k.endswith("_constraints") for k in doc):
            raise BadParameters(
                f"'{raw}' is not a model-quality constraints file "
                "(no regression/binary/multiclass _constraints key)",
                details={"field": "constraints"},
            )
        out["constraints"] = str(path)
    return out


def _quality_frame(params: dict[str, Any]) -> Any:
    import pyarrow as pa

    from ..monitor import merge_ground_truth
    from ..monitor.sources import iter_batches

    if params.get("ground_truth"):
        return merge_ground_truth(params["data"], params["ground_truth"])
    return pa.Table.from_batches(list(iter_batches(params["data"]))).to_pandas()


def _column(df: Any, name: str | None, field: str) -> str | None:
    """A column name, or a CSV capture's output index ("0" -> ``_c0``)."""
    if name is None:
        return None
    if name in df.columns:
        return name
    if name.isdigit() and f"_c{name}" in df.columns:
        return f"_c{name}"
    if name == "label" and "groundTruth" in df.columns:
        return "groundTruth"  # merged capture files carry the label under this name
    raise BadParameters(
        f"column '{name}' not found; the data has {list(df.columns)[:20]}",
        details={"field": field},
    )


def quality_statistics(params: dict[str, Any]) -> dict[str, Any]:
    """Model-quality statistics for validated ``monitor-quality`` parameters."""
    from ..monitor.model_quality import model_quality_statistics

    with monitor_errors():
        df = _quality_frame(params)
        return model_quality_statistics(
            df,
            problem_type=params["problem_type"],
            inference_attribute=_column(df, params["inference_attribute"], "inference_attribute")
            or "prediction",
            ground_truth_attribute=_column(
                df, params["ground_truth_attribute"], "ground_truth_attribute"
            )
            or "label",
            probability_attribute=_column(
                df, params.get("probability_attribute"), "probability_attribute"
            ),
            probability_threshold=params.get("probability_threshold", 0.5),
            positive_label=params.get("positive_label", 1),
        )


def quality_verdict(stats: dict[str, Any], constraints_path: str | None) -> dict[str, Any]:
    """Violations against the given constraints, or constraints suggested from ``stats``."""
    from ..monitor.model_quality import model_quality_violations, suggest_model_quality_constraints

    with monitor_errors("constraints"):
        if constraints_path:
            cons = json.loads(Path(constraints_path).read_text(encoding="utf-8"))
            return {"violations": model_quality_violations(stats, cons), "constraints": None}
        return {"violations": None, "constraints": suggest_model_quality_constraints(stats)}


def quality_metrics(stats: dict[str, Any]) -> dict[str, Any]:
    key = next(k for k in stats if k.endswith("_metrics"))
    return {
        name: m["value"] for name, m in stats[key].items() if isinstance(m, dict) and "value" in m
    }


def _run_quality(params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    from ..monitor.baseline import write_json

    ctx.progress(0.05, "reading predictions and labels")
    stats = quality_statistics(params)
    verdict = quality_verdict(stats, params.get("constraints"))
    write_artifact(ctx, "statistics.json", stats)
    files = {"statistics.json": stats}
    if verdict["violations"] is not None:
        doc = {"violations": verdict["violations"]}
        write_artifact(ctx, "constraint_violations.json", doc)
        files["constraint_violations.json"] = doc
    else:
        write_artifact(ctx, "constraints.json", verdict["constraints"])
        files["constraints.json"] = verdict["constraints"]
    if params.get("out"):
        for name, doc in files.items():
            write_json(Path(params["out"]) / name, doc)
    violations = verdict["violations"]
    ctx.progress(
        1.0,
        "constraints suggested"
        if violations is None
        else f"{len(violations)} model-quality violations",
    )
    return clean_json(
        {
            "problem_type": params["problem_type"],
            "rows": stats["dataset"]["item_count"],
            "metrics": quality_metrics(stats),
            "violations": violations,
            "violation_count": len(violations or []),
            "out": params.get("out"),
        }
    )


MONITOR_QUALITY = JobKind(
    name="monitor-quality",
    title="Model quality",
    description="Regression, binary or multiclass metrics of predictions against labels (a "
    "CSV/Parquet/JSON-lines file, a merged capture file, or captures plus ground truth); "
    "violations against model-quality constraints, or suggested constraints.",
    validate=_validate_quality,
    run=_run_quality,
    schema={
        "data": "string (file, folder or glob relative to the server root)",
        "problem_type": "Regression | BinaryClassification | MulticlassClassification",
        "inference_attribute": "string (default prediction)",
        "ground_truth_attribute": "string (default label; groundTruth in merged captures)",
        "probability_attribute": "string (optional)",
        "probability_threshold": "number (default 0.5)",
        "positive_label": "string or number (default 1)",
        "ground_truth": "string (optional ground-truth files to merge with capture data)",
        "constraints": "string (optional constraints.json or its folder)",
        "out": "string (optional output folder)",
    },
)
