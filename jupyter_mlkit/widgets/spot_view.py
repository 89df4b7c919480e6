"""A notebook view of one ``spot-run`` job: progress, status, interruptions, timeline, savings.

It follows the job row (progress, state) and the job's events.jsonl (transitions, interruptions,
losses), read incrementally, until the job has ended and every event was read.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

import ipywidgets as W

from ..jobs import JobStore
from ..jobs.models import FINAL_STATES
from ..jobs.spot_kind import read_events
from .job_progress import _COLORS

TIMELINE_ROWS = 12


class SpotView(W.VBox):
    """``SpotView(job).follow()`` blocks until the run ends; ``.follow_in_background()`` not."""

    def __init__(self, job: dict[str, Any], store: JobStore | None = None, **kwargs: Any):
        self.job = job
        self.store = store or JobStore()
        self.offset = 0
        self.events: list[dict[str, Any]] = []
        self.interruptions = 0
        self.status = "Starting"
        self.last_loss: float | None = None
        self.bar = W.FloatProgress(value=0.0, min=0.0, max=1.0, description="spot run")
        self.label = W.HTML()
        self.counts = W.HTML()
        self.timeline = W.HTML()
        self.result = W.HTML()
        self.thread: threading.Thread | None = None
        super().__init__(
            [W.HBox([self.bar, self.label]), self.counts, self.timeline, self.result], **kwargs
        )
        self.update(job, [])

    def update(self, job: dict[str, Any], new_events: list[dict[str, Any]]) -> None:
        self.job = job
        for event in new_events:
            kind = event.get("type")
            if kind == "transition":
                self.status = event["Status"]
            elif kind == "interruption":
                self.interruptions += 1
            elif kind == "metric" and isinstance(event.get("loss"), (int, float)):
                self.last_loss = float(event["loss"])
        self.events += new_events
        self.bar.value = float(job["progress"])
        self.bar.bar_style = _COLORS.get(job["state"], "")
        self.label.value = f"<b>{html.escape(job['state'])}</b> {html.escape(job['message'] or '')}"
        loss = "" if self.last_loss is None else f" &middot; loss <b>{self.last_loss:.4g}</b>"
        self.counts.value = (
            f"status <b>{html.escape(self.status)}</b> &middot; interruptions "
            f"<b>{self.interruptions}</b>{loss}"
        )
        self.timeline.value = render_timeline(self.events)
        result = job.get("result") if job["state"] == "completed" else None
        error = job.get("error") if job["state"] in FINAL_STATES else None
        if result:
            self.result.value = (
                f"<p>savings <b>{result['savings_pct']:.1f}%</b> &middot; training "
                f"{result['training_s']:.1f} s, billable {result['billable_s']:.1f} s &middot; "
                f"cost ${result['cost_usd']:.4f} vs ${result['on_demand_cost_usd']:.4f} "
                f"on demand &middot; work lost {result['lost_work_s']:.1f} s</p>"
            )
        elif error:
            self.result.value = (
                "<span style='color:var(--jp-error-color1)'>"
                f"{html.escape(error.get('message', ''))}</span>"
            )

    def poll(self) -> bool:
        """Read the job and its new events once; True when there is nothing more to follow."""
        job = self.store.get(self.job["id"])
        page = read_events(job, self.offset)
        self.offset = page["next_offset"]
        self.update(job, page["events"])
        return page["done"]

    def follow(self, timeout_s: float | None = None, poll_s: float = 0.3) -> dict[str, Any]:
        from ..jobs import wait_for

        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not self.poll():
            if self.job["state"] == "running":
                # notices a worker that died without reporting (and marks the job failed)
                wait_for(self.job["id"], db=self.store.db, timeout_s=0)
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(poll_s)
        return self.job

    def follow_in_background(self) -> threading.Thread:
        self.thread = threading.Thread(
            target=self.follow, daemon=True, name=f"mlkit-spot-{self.job['id']}"
        )
        self.thread.start()
        return self.thread


def render_timeline(events: list[dict[str, Any]]) -> str:
    """The newest transitions and interruptions, oldest first, as a small HTML list."""
    rows = []
    for e in events:
        kind = e.get("type")
        if kind == "transition":
            when = time.strftime("%H:%M:%S", time.localtime(e["StartTime"]))
            rows.append(
                f"<li>{when} <b>{html.escape(e['Status'])}</b> "
                f"{html.escape(e['StatusMessage'])}</li>"
            )
        elif kind == "interruption":
            rows.append(
                f"<li style='color:var(--jp-warn-color1)'>interruption ({html.escape(e['mode'])})"
                f" at step {e['step']}, resumed from {e['durable_step']}</li>"
            )
    if not rows:
        return ""
    return f"<ul style='margin:2px 0'>{''.join(rows[-TIMELINE_ROWS:])}</ul>"
