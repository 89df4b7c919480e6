"""The ``dq-run`` and ``dq-recommend`` jobs: DQDL rules and recommendations on files in the root.

``validate`` runs in the server before any row is written: the DQDL is parsed (a syntax error is
a 400 naming line and column) and every path is resolved inside the server root. ``run`` runs in
the worker: it evaluates, records the metric history and writes the result JSON (and, with
``row_level``, the failing rows as Parquet) as artifacts.
"""

from __future__ import annotations

import glob
import json
from pathlib import Path
from typing import Any

from ..errors import BadParameters
from ..paths import resolve_inside
from .kinds import JobContext, JobKind, require

DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".parquet", ".pq", ".json", ".jsonl", ".ndjson"}
MAX_RULES_CHARS = 1_000_000
PREVIEW_ROWS = 20  # failing rows carried in the job result, for the panel


def syntax_error(exc: Any, field: str = "rules") -> BadParameters:
    """A DQDLSyntaxError as a 400 whose details carry the position (for editor markers)."""
    return BadParameters(
        f"DQDL syntax error at line {exc.line}, column {exc.column}: {exc.message}",
        code="dqdl_syntax_error",
        details={"field": field, **exc.to_dict()},
    )


def _data_path(root: Path, raw: Any, field: str) -> str:
    if not isinstance(raw, str):
        raise BadParameters(f"parameter '{field}' must be a path", details={"field": field})
    path = resolve_inside(root, raw)
    if not glob.has_magic(str(path)) and path.is_file():
        suffix = path.suffix.lower()
        if suffix not in DATA_SUFFIXES:
            raise BadParameters(
                f"cannot read '{raw}': expected a .csv, .parquet or .jsonl file (or a folder or "
                "glob of them)",
                details={"field": field},
            )
    return str(path)


def _rules_text(params: dict[str, Any], root: Path) -> tuple[str, str | None]:
    rules, rules_path = params.get("rules"), params.get("rules_path")
    if (rules is None) == (rules_path is None):
        raise BadParameters(
            "give exactly one of 'rules' (DQDL text) or 'rules_path' (a .dqdl file)",
            details={"field": "rules"},
        )
    if rules_path is not None:
        if not isinstance(rules_path, str):
            raise BadParameters("'rules_path' must be a path", details={"field": "rules_path"})
        path = resolve_inside(root, rules_path)
        if not path.is_file():
            raise BadParameters(f"'{rules_path}' is not a file", details={"field": "rules_path"})
        return path.read_text(encoding="utf-8", errors="replace"), str(path)
    if not isinstance(rules, str):
        raise BadParameters("'rules' must be DQDL text", details={"field": "rules"})
    return rules, None


def _validate_run(params: dict[str, Any], root: Path) -> dict[str, Any]:
    from ..quality import DQDLSyntaxError, parse

    text, rules_path = _rules_text(params, root)
    if len(text) > MAX_RULES_CHARS:
        raise BadParameters("the ruleset is larger than 1 MB", details={"field": "rules"})
    try:
        parse(text)
    except DQDLSyntaxError as exc:
        raise syntax_error(exc, "rules_path" if rules_path else "rules") from None
    data_raw = require(params, "data", str)
    data = _data_path(root, data_raw, "data")
    refs = require(params, "references", dict, default={})
    references = {}
    for alias, raw in refs.items():
        if not isinstance(alias, str) or not alias or alias == "primary":
            raise BadParameters(
                f"reference alias {alias!r} is not allowed", details={"field": "references"}
            )
        references[alias] = _data_path(root, raw, f"references.{alias}")
    row_level = require(params, "row_level", bool, default=False)
    name = require(params, "dataset_name", str, default="") or data_raw
    ruleset_name = require(params, "ruleset_name", str, default="")
    engine = require(params, "engine", str, default="duckdb")
    if engine not in ("duckdb", "spark"):
        raise BadParameters(
            f"engine must be 'duckdb' or 'spark', not {engine!r}", details={"field": "engine"}
        )
    if engine == "spark":
        import importlib.util

        if importlib.util.find_spec("pyspark") is None:
            raise BadParameters(
                "engine 'spark' needs pyspark on the server: pip install 'jupyter-mlkit[spark]'",
                details={"field": "engine"},
            )
    out: dict[str, Any] = {
        "data": data,
        "references": references,
        "row_level": row_level,
        "dataset_name": name,
        "ruleset_name": ruleset_name,
        "engine": engine,
    }
    # A rules file is re-read at run time, so a schedule follows edits of the file.
    out.update({"rules_path": rules_path} if rules_path else {"rules": text})
    return out


def summarize(result: Any) -> dict[str, Any]:
    """A compact JSON view of a QualityResult: score, per-rule outcomes and failing-row counts."""
    failing: dict[str, int] = {}
    skipped: dict[str, int] = {}
    rows = result.rows
    if rows is not None:
        for col, counts in (("DataQualityRulesFail", failing), ("DataQualityRulesSkip", skipped)):
            for names in rows[col]:
                for rule in names if names is not None else ():
                    counts[rule] = counts.get(rule, 0) + 1

    def failing_rows(rule: str) -> int | None:
        # None: no row-level verdict (not asked for, or a dataset-level rule skipped on every row).
        if rows is None or (len(rows) and skipped.get(rule, 0) == len(rows)):
            return None
        return failing.get(rule, 0)

    rules = [
        {
            "name": o.name,
            "rule": o.rule,
            "outcome": o.outcome,
            "message": o.message or "",
            "metrics": o.metrics,
            "evaluated_rule": o.evaluated_rule or o.rule,
            "failing_rows": failing_rows(o.rule),
        }
        for o in result.outcomes
    ]
    return {
        "result_id": result.result_id,
        "dataset": result.dataset,
        "ruleset_name": result.ruleset_name,
        "score": result.score,
        "passed": sum(o.outcome == "Passed" for o in result.outcomes),
        "failed": sum(o.outcome == "Failed" for o in result.outcomes),
        "errors": sum(o.outcome == "Error" for o in result.outcomes),
        "exit_code": result.exit_code,
        "rules": rules,
        "analyzer_metrics": result.analyzer_metrics,
        "observations": result.observations,
        "aggregated_metrics": result.aggregated_metrics(),
    }


def _run_dq(params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    from ..quality import DataError, DQDLSyntaxError, MetricHistory, evaluate

    if params.get("rules_path"):
        text = Path(params["rules_path"]).read_text(encoding="utf-8", errors="replace")
    else:
        text = params["rules"]
    name = params["dataset_name"]
    history = MetricHistory(name, params.get("ruleset_name") or None, db_path=ctx.db_path)
    engine = params.get("engine") or "duckdb"
    spark, created = None, False
    if engine == "spark":
        from ..quality.spark import job_session

        ctx.progress(0.0, "starting a local Spark session")
        spark, created = job_session()
    try:
        result = evaluate(
            text,
            params["data"],
            references=params.get("references") or None,
            row_level=bool(params.get("row_level")),
            history=history,
            progress=lambda f, m: ctx.progress(0.95 * f, m),
            dataset_name=name,
            ruleset_name=params.get("ruleset_name") or None,
            engine=engine,
            spark=spark,
        )
    except DQDLSyntaxError as exc:
        raise syntax_error(exc) from None
    except DataError as exc:
        raise BadParameters(str(exc), code="data_error", details={"field": "data"}) from None
    finally:
        if created:
            spark.stop()  # one job per process: free the JVM now
    summary = summarize(result)
    out_json = ctx.artifacts_dir / "result.json"
    out_json.write_text(json.dumps(result.to_dict(), indent=2, default=str), encoding="utf-8")
    ctx.add_artifact(out_json)
    if result.rows is not None:
        failing = result.rows[result.rows["DataQualityEvaluationResult"] == "Failed"]
        out_rows = ctx.artifacts_dir / "failing_rows.parquet"
        tmp = out_rows.with_suffix(".parquet.tmp")
        failing.reset_index(drop=True).to_parquet(tmp, index=False)
        tmp.replace(out_rows)  # never a half-written file under the final name
        ctx.add_artifact(out_rows)
        summary["failing_rows"] = len(failing)
        summary["failing_rows_path"] = str(out_rows)
        head = failing.head(PREVIEW_ROWS).drop(
            columns=["DataQualityRulesPass", "DataQualityRulesSkip", "DataQualityEvaluationResult"]
        )
        summary["failing_rows_preview"] = json.loads(
            head.to_json(orient="records", date_format="iso", default_handler=str)
        )
    summary["result_path"] = str(out_json)
    ctx.progress(
        1.0, f"score {summary['score']:.2f}: {summary['passed']} of {len(summary['rules'])} passed"
    )
    return summary


def _validate_recommend(params: dict[str, Any], root: Path) -> dict[str, Any]:
    return {"data": _data_path(root, require(params, "data", str), "data")}


def _run_recommend(params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    from ..quality import DataError, recommend

    ctx.progress(0.05, "profiling the data")
    try:
        text = recommend(params["data"])
    except DataError as exc:
        raise BadParameters(str(exc), code="data_error", details={"field": "data"}) from None
    out = ctx.artifacts_dir / "recommended.dqdl"
    out.write_text(text + "\n", encoding="utf-8")
    ctx.add_artifact(out)
    n = text.count("\n") - 1
    ctx.progress(1.0, f"{n} rules recommended")
    return {"rules": text, "count": n, "path": str(out)}


DQ_RUN = JobKind(
    name="dq-run",
    title="Run data-quality rules",
    description="Evaluate a DQDL ruleset on a CSV, Parquet or JSON-lines file (or a glob): "
    "score, per-rule outcomes, metric history; with row_level, the failing rows as Parquet.",
    validate=_validate_run,
    run=_run_dq,
    schema={
        "rules": "string (DQDL text; or rules_path)",
        "rules_path": "string (a DQDL file relative to the server root; or rules)",
        "data": "string (file, folder or glob relative to the server root)",
        "references": "object {alias: path} (optional)",
        "row_level": "boolean (optional, default false)",
        "dataset_name": "string (optional; the history key, default the data path)",
        "ruleset_name": "string (optional)",
        "engine": "string (optional): duckdb (default) or spark (a local SparkSession)",
    },
)

DQ_RECOMMEND = JobKind(
    name="dq-recommend",
    title="Recommend data-quality rules",
    description="Profile a file and suggest a DQDL ruleset that holds on it.",
    validate=_validate_recommend,
    run=_run_recommend,
    schema={"data": "string (file, folder or glob relative to the server root)"},
)
