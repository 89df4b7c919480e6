"""A notebook view of a data-quality result: score, per-rule pass/fail, failing-row counts."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

_STYLE = {
    "Passed": ("PASS", "var(--jp-success-color1, #388e3c)"),
    "Failed": ("FAIL", "var(--jp-error-color1, #d32f2f)"),
    "Error": ("ERROR", "var(--jp-warn-color1, #f57c00)"),
}


def render_summary(summary: dict[str, Any]) -> str:
    """HTML for a summary from ``jupyter_mlkit.jobs.quality_kind.summarize``."""
    row_level = any(r["failing_rows"] is not None for r in summary["rules"])
    head = "<th>rule</th><th>outcome</th>" + ("<th>failing rows</th>" if row_level else "")
    body = []
    for r in summary["rules"]:
        mark, color = _STYLE[r["outcome"]]
        message = html.escape(r["message"] or "").replace("\n", "<br>")
        count = r["failing_rows"]
        body.append(
            f"<tr class='mlkit-dq-{r['outcome'].lower()}'>"
            f"<td><code>{html.escape(r['rule'])}</code>"
            + (f"<div style='opacity:0.8'>{message}</div>" if message else "")
            + f"</td><td style='color:{color};font-weight:600'>{mark}</td>"
            + (
                f"<td style='text-align:right'>{'' if count is None else count}</td>"
                if row_level
                else ""
            )
            + "</tr>"
        )
    title = html.escape(summary.get("dataset") or "")
    return (
        f"<div class='mlkit-dq-result'><p><b>Data quality score {summary['score']:.2f}</b>"
        + (f" on <code>{title}</code>" if title else "")
        + f": {summary['passed']} passed, {summary['failed']} failed, "
        f"{summary['errors']} errors</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


class QualityResultView(W.VBox):
    """``QualityResultView(result)``: the score as a bar, then one row per rule."""

    def __init__(self, result: Any, **kwargs: Any):
        from ..jobs.quality_kind import summarize

        self.result = result
        self.summary = summarize(result)
        style = "success" if result.passed else ("danger" if result.has_errors else "warning")
        self.bar = W.FloatProgress(
            value=float(result.score), min=0.0, max=1.0, description="score", bar_style=style
        )
        self.table = W.HTML(render_summary(self.summary))
        super().__init__([self.bar, self.table], **kwargs)

    def _repr_mimebundle_(self, **kwargs: Any):
        # Where widgets do not render (nbconvert, GitHub), the same table as static HTML.
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/html"] = self.table.value
        bundle["text/plain"] = self.result.summary()
        return bundle
