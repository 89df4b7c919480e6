"""``mlkit monitor``: baselines, drift and model quality (thin: the monitor core does the work).

``mlkit monitor analyze`` and ``mlkit monitor quality`` exit 0 without violations, 1 with
violations, 2 on errors (unreadable data, a bad baseline, a bad option).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from .errors import MlkitError


class _MonitorGroup(click.Group):
    """User errors as one line and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MlkitError as exc:
            _die(exc.message)
        except OSError as exc:  # e.g. --out names a file, or a folder that cannot be written
            _die(str(exc))


def _die(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _config(value: str | None) -> dict[str, Any] | None:
    """``--config`` as inline JSON or a JSON file."""
    if not value:
        return None
    text = Path(value).read_text(encoding="utf-8") if Path(value).is_file() else value
    try:
        doc = json.loads(text)
    except ValueError as exc:
        _die(f"--config is neither a JSON object nor a JSON file: {exc}")
    if not isinstance(doc, dict):
        _die("--config must be a JSON object")
    return doc


def drift_table_text(summary: dict[str, Any]) -> str:
    """The drift table and violations of a drift summary, as aligned text."""
    rows = summary["drift"]
    width = min(40, max([len(r["feature"]) for r in rows] + [7]))
    lines = [
        f"{'feature':<{width}}  {'method':<18} {'distance':>9} {'threshold':>9}  drifted",
        "-" * (width + 50),
    ]
    for r in rows:
        dist = "n/a" if r["distance"] is None else f"{r['distance']:.4f}"
        name = r["feature"] if len(r["feature"]) <= width else r["feature"][: width - 3] + "..."
        lines.append(
            f"{name:<{width}}  {r['method']:<18} {dist:>9} {r['threshold']:>9.4g}  "
            f"{'YES' if r['drifted'] else 'no'}"
        )
    lines.append("")
    if summary["violations"]:
        lines.append(f"{summary['violation_count']} violations:")
        for v in summary["violations"]:
            lines.append(
                f"  {v.get('feature_name') or v.get('metric_name')}: "
                f"{v['constraint_check_type']}: {v['description']}"
            )
    else:
        lines.append("no violations")
    lines.append(
        f"{summary['rows']} rows; {len(summary['drifted'])} of {len(rows)} features drifted"
    )
    return "\n".join(lines)


@click.group(cls=_MonitorGroup)
def monitor() -> None:
    """Model monitor: SageMaker Model Monitor compatible baselines, drift and quality."""


@monitor.command("baseline")
@click.argument("data")
@click.option("--out", required=True, help="Folder for statistics.json and constraints.json.")
@click.option("--format", "fmt", default=None, help="csv, json or parquet (default: by suffix).")
def baseline_cmd(data: str, out: str, fmt: str | None) -> None:
    """Profile DATA (a file, folder or glob) and write a baseline to --out."""
    from .jobs.monitor_kind import monitor_errors
    from .monitor import suggest_baseline

    with monitor_errors():
        base = suggest_baseline(data, dataset_format=fmt)
    base.save(out)
    feats = base.constraints.get("features", [])
    rows = base.statistics.get("dataset", {}).get("item_count", 0)
    click.echo(f"baseline of {rows} rows, {len(feats)} features written to {out}")
    for f in feats:
        click.echo(f"  {f['name']:<30} {f.get('inferred_type', '')}")


@monitor.command("analyze")
@click.argument("data")
@click.option("--baseline", "baseline", required=True, help="Baseline folder.")
@click.option("--out", default=None, help="Write statistics.json, constraint_violations.json.")
@click.option("--config", default=None, help="monitoring_config overrides (JSON or a file).")
@click.option("--name", default=None, help="Record the run in the history under this name.")
@click.option("--format", "fmt", default=None, help="csv, json or parquet (default: by suffix).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def analyze_cmd(
    data: str,
    baseline: str,
    out: str | None,
    config: str | None,
    name: str | None,
    fmt: str | None,
    as_json: bool,
) -> None:
    """Check DATA against a baseline folder: violations and drift per feature.

    Exit status: 0 no violations, 1 violations, 2 errors.
    """
    from .jobs.monitor_kind import drift_summary, monitor_errors
    from .monitor import Baseline, analyze

    with monitor_errors():
        base = Baseline.load(baseline)
        result = analyze(data, base, config=_config(config), dataset_format=fmt)
    if out:
        result.save(out)
    summary = drift_summary(result)
    if name:
        from .monitor.history import record_run

        summary["run_id"] = record_run(name, result, output_dir=out)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(drift_table_text(summary))
    sys.exit(1 if result.violations else 0)


@monitor.command("quality")
@click.argument("data")
@click.option(
    "--problem-type",
    required=True,
    type=click.Choice(["Regression", "BinaryClassification", "MulticlassClassification"]),
)
@click.option("--label", default="label", show_default=True, help="Ground-truth column.")
@click.option("--prediction", default="prediction", show_default=True, help="Prediction column.")
@click.option("--probability", default=None, help="Probability column (binary).")
@click.option("--threshold", default=0.5, show_default=True, help="Probability threshold.")
@click.option("--positive-label", default="1", show_default=True)
@click.option("--ground-truth", default=None, help="Ground-truth files to merge with captures.")
@click.option("--constraints", default=None, help="Model-quality constraints.json to check.")
@click.option("--out", default=None, help="Folder for statistics.json and the verdict.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def quality_cmd(
    data: str,
    problem_type: str,
    label: str,
    prediction: str,
    probability: str | None,
    threshold: float,
    positive_label: str,
    ground_truth: str | None,
    constraints: str | None,
    out: str | None,
    as_json: bool,
) -> None:
    """Model-quality metrics of predictions in DATA against labels.

    With --constraints: exit 1 when a metric violates them; without: constraints are suggested
    (written to --out). Exit 2 on errors.
    """
    from .jobs.monitor_quality import (
        MONITOR_QUALITY,
        quality_metrics,
        quality_statistics,
        quality_verdict,
    )
    from .monitor.baseline import write_json

    def absolute(path: str | None) -> str | None:
        return os.path.abspath(path) if path else None

    params = MONITOR_QUALITY.validate(
        {
            "data": absolute(data),
            "problem_type": problem_type,
            "inference_attribute": prediction,
            "ground_truth_attribute": label,
            "probability_attribute": probability,
            "probability_threshold": threshold,
            "positive_label": _label(positive_label),
            "ground_truth": absolute(ground_truth),
            "constraints": absolute(constraints),
            "out": absolute(out),
        },
        Path(os.getcwd()).anchor,  # the CLI may read any file the user can: root = "/"
    )
    stats = quality_statistics(params)
    verdict = quality_verdict(stats, params["constraints"])
    if out:
        write_json(Path(out) / "statistics.json", stats)
        if verdict["violations"] is not None:
            write_json(
                Path(out) / "constraint_violations.json", {"violations": verdict["violations"]}
            )
        else:
            write_json(Path(out) / "constraints.json", verdict["constraints"])
    metrics = quality_metrics(stats)
    violations = verdict["violations"]
    if as_json:
        click.echo(json.dumps({"metrics": metrics, "violations": violations}, indent=2))
    else:
        for key, value in metrics.items():
            click.echo(f"  {key:<40} {value:.6g}" if isinstance(value, float) else f"  {key}")
        if violations is None:
            click.echo("constraints suggested" + (f" in {out}" if out else ""))
        elif violations:
            click.echo(f"{len(violations)} violations:")
            for v in violations:
                click.echo(f"  {v['metric_name']}: {v['description']}")
        else:
            click.echo("no violations")
    sys.exit(1 if violations else 0)


def _label(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text


@monitor.command("schedule")
@click.argument("data")
@click.option("--baseline", "baseline", required=True, help="Baseline folder.")
@click.option("--cron", required=True, help="Cron expression, e.g. '0 * * * *'.")
@click.option("--name", default=None, help="Schedule and history name (default: DATA).")
@click.option("--out", default=None, help="Folder for each run's SageMaker files.")
@click.option("--config", default=None, help="monitoring_config overrides (JSON or a file).")
def schedule_cmd(
    data: str, baseline: str, cron: str, name: str | None, out: str | None, config: str | None
) -> None:
    """Create a monitoring schedule: the Jupyter server runs the analysis by cron while it is up.

    Paths are relative to the current folder, which must be inside the server's root.
    """
    from .jobs import ScheduleStore

    params: dict[str, Any] = {"data": data, "baseline": baseline, "name": name or data}
    if out:
        params["out"] = out
    if config:
        params["config"] = _config(config)
    row = ScheduleStore().create(
        kind="monitor-analyze",
        parameters=params,
        cron=cron,
        root_dir=os.getcwd(),
        name=name or data,
    )
    click.echo(f"schedule {row['id']} ({row['cron']}), next run {row['next_run_at']}")
