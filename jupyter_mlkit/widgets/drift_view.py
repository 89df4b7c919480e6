"""A notebook view of a drift analysis: the drift table per feature and the violations."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

VEGALITE_MIME = "application/vnd.vegalite.v5+json"
_RED = "var(--jp-error-color1, #d32f2f)"


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def render_drift(summary: dict[str, Any]) -> str:
    """HTML for a summary from ``jupyter_mlkit.jobs.monitor_kind.drift_summary``."""
    rows = []
    for r in summary["drift"]:
        style = f" style='color:{_RED};font-weight:600'" if r["drifted"] else ""
        rows.append(
            f"<tr class='mlkit-drift-{'yes' if r['drifted'] else 'no'}'>"
            f"<td><code>{html.escape(r['feature'])}</code></td>"
            f"<td>{html.escape(r['method'])}</td>"
            f"<td style='text-align:right'>{_num(r['distance'])}</td>"
            f"<td style='text-align:right'>{r['threshold']:g}</td>"
            f"<td{style}>{'DRIFTED' if r['drifted'] else 'ok'}</td></tr>"
        )
    drift = (
        "<table class='mlkit-drift-table'><thead><tr><th>feature</th><th>method</th>"
        "<th>distance</th><th>threshold</th><th>drifted</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    if summary["violations"]:
        vrows = "".join(
            f"<tr><td><code>{html.escape(str(v.get('feature_name') or v.get('metric_name')))}"
            f"</code></td><td>{html.escape(v['constraint_check_type'])}</td>"
            f"<td>{html.escape(v['description'])}</td></tr>"
            for v in summary["violations"]
        )
        violations = (
            f"<p><b>{summary['violation_count']} violations</b></p>"
            "<table class='mlkit-violations-table'><thead><tr><th>feature</th><th>check</th>"
            f"<th>description</th></tr></thead><tbody>{vrows}</tbody></table>"
        )
    else:
        violations = "<p>No violations.</p>"
    head = (
        f"<p><b>{len(summary['drifted'])} of {len(summary['drift'])} features drifted</b> "
        f"({summary['rows']} rows; {html.escape(summary['status'])})</p>"
    )
    return f"<div class='mlkit-drift-result'>{head}{drift}{violations}</div>"


class DriftView(W.VBox):
    """``DriftView(result)``: a drifted-share bar, the drift table and the violations."""

    def __init__(self, result: Any, **kwargs: Any):
        from ..jobs.monitor_kind import drift_summary

        self.result = result
        self.summary = drift_summary(result) if not isinstance(result, dict) else result
        n = len(self.summary["drift"]) or 1
        self.bar = W.FloatProgress(
            value=len(self.summary["drifted"]) / n,
            min=0.0,
            max=1.0,
            description="drifted",
            bar_style="danger" if self.summary["violations"] else "success",
        )
        self.table = W.HTML(render_drift(self.summary))
        super().__init__([self.bar, self.table], **kwargs)


def vegalite_bundle(spec: dict[str, Any], title: str = "") -> dict[str, Any]:
    """A display bundle JupyterLab renders as a chart (plain text elsewhere)."""
    return {VEGALITE_MIME: spec, "text/plain": f"<Vega-Lite chart: {title or spec.get('title')}>"}
