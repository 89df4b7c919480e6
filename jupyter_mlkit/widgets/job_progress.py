"""A notebook view that follows one job to its end: a progress bar, state, message, result."""

from __future__ import annotations

import html
import json
import threading
from typing import Any

import ipywidgets as W

from ..jobs import wait_for

_COLORS = {
    "completed": "success",
    "failed": "danger",
    "cancelled": "warning",
    "interrupted": "danger",
    "running": "info",
    "queued": "",
}


class JobProgress(W.VBox):
    """``JobProgress(job).follow()`` blocks until done; ``.follow_in_background()`` does not."""

    def __init__(self, job: dict[str, Any], **kwargs: Any):
        self.job = job
        self.bar = W.FloatProgress(value=0.0, min=0.0, max=1.0, description=job["kind"])
        self.label = W.HTML()
        self.result = W.HTML()
        super().__init__([W.HBox([self.bar, self.label]), self.result], **kwargs)
        self.update(job)

    def update(self, job: dict[str, Any]) -> None:
        self.job = job
        self.bar.value = float(job["progress"])
        self.bar.bar_style = _COLORS.get(job["state"], "")
        self.label.value = f"<b>{html.escape(job['state'])}</b> {html.escape(job['message'] or '')}"
        if job["state"] == "completed":
            self.result.value = render_result(job)
        elif job.get("error"):
            self.result.value = (
                f"<span style='color:var(--jp-error-color1)'>"
                f"{html.escape(job['error'].get('message', ''))}</span>"
            )

    def follow(self, timeout_s: float | None = None) -> dict[str, Any]:
        return wait_for(self.job["id"], on_update=self.update, timeout_s=timeout_s)

    def follow_in_background(self) -> threading.Thread:
        thread = threading.Thread(
            target=self.follow, daemon=True, name=f"mlkit-follow-{self.job['id']}"
        )
        thread.start()
        return thread


def render_result(job: dict[str, Any]) -> str:
    result = job.get("result")
    if job["kind"] == "profile" and isinstance(result, dict) and "columns" in result:
        rows = "".join(
            f"<tr><td>{html.escape(c['name'])}</td><td>{html.escape(c['type'])}</td>"
            f"<td>{c['null_count']}</td><td>{html.escape(str(c['min']))}</td>"
            f"<td>{html.escape(str(c['max']))}</td></tr>"
            for c in result["columns"]
        )
        return (
            f"<p>{result['rows']} rows, {len(result['columns'])} columns</p>"
            "<table><tr><th>column</th><th>type</th><th>nulls</th><th>min</th>"
            f"<th>max</th></tr>{rows}</table>"
        )
    return f"<pre>{html.escape(json.dumps(result, indent=2, default=str)[:4000])}</pre>"
