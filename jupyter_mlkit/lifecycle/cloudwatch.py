"""Optionally copy a run's log to CloudWatch Logs, where SageMaker keeps lifecycle logs.

Group ``/aws/sagemaker/NotebookInstances``, stream ``<server>/LifecycleConfigOnStart`` (the run's
``log_stream``), one event per line. Timestamps are the run's start time plus the line's
position in milliseconds (the local log file has no per-line times), so the order is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .models import RunRecord

LOG_GROUP = "/aws/sagemaker/NotebookInstances"
_MAX_BATCH = 10_000  # PutLogEvents: at most 10,000 events ...
_MAX_BYTES = 1_000_000  # ... and about 1 MB (each event counts 26 bytes extra)


def ship_run_log(run: RunRecord, *, group: str = LOG_GROUP, client: Any | None = None) -> int:
    """Send the run's log lines to CloudWatch Logs; returns the number of events sent."""
    if client is None:
        from ..aws import client as make_client

        client = make_client("logs")
    _ensure(client, group, run.log_stream)
    path = Path(run.log_path)
    lines = path.read_text("utf-8", "replace").splitlines() if path.exists() else []
    start_ms = int(run.started_at.timestamp() * 1000)
    events = [{"timestamp": start_ms + i, "message": line or " "} for i, line in enumerate(lines)]
    batch: list[dict] = []
    size = 0
    for event in events:
        cost = len(event["message"].encode()) + 26
        if batch and (len(batch) >= _MAX_BATCH or size + cost > _MAX_BYTES):
            client.put_log_events(logGroupName=group, logStreamName=run.log_stream, logEvents=batch)
            batch, size = [], 0
        batch.append(event)
        size += cost
    if batch:
        client.put_log_events(logGroupName=group, logStreamName=run.log_stream, logEvents=batch)
    return len(events)


def _ensure(client: Any, group: str, stream: str) -> None:
    for call, kwargs in (
        (client.create_log_group, {"logGroupName": group}),
        (client.create_log_stream, {"logGroupName": group, "logStreamName": stream}),
    ):
        try:
            call(**kwargs)
        except client.exceptions.ResourceAlreadyExistsException:
            pass
