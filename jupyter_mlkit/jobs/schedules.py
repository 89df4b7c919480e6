"""Cron schedules for any job kind.

The server checks due schedules every few seconds while it is up. Missed runs (the server was
down, or busy) follow the schedule's policy:

- ``skip``: run once now for the newest missed time and count the others as skipped;
- ``catch_up``: run once for every missed time, oldest first, at most ``MAX_CATCH_UP`` of them
  (older ones are counted as skipped).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from croniter import croniter
from sqlalchemy import select

from ..db import Database, open_db
from ..errors import BadParameters, NotFound
from .kinds import get_kind
from .models import ScheduleRow, utcnow
from .store import JobStore

POLICIES = ("skip", "catch_up")
MAX_CATCH_UP = 24


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _naive_utc(value: datetime) -> datetime:
    return _aware(value).astimezone(timezone.utc).replace(tzinfo=None)


def check_cron(expr: Any) -> str:
    if not isinstance(expr, str) or not croniter.is_valid(expr):
        raise BadParameters(
            f"'{expr}' is not a valid cron expression (e.g. '0 * * * *')", details={"field": "cron"}
        )
    return expr


def next_after(expr: str, after: datetime) -> datetime:
    return croniter(expr, _aware(after)).get_next(datetime)


class ScheduleStore:
    def __init__(self, db: Database | None = None):
        self.db = db or open_db()
        self.jobs = JobStore(self.db)

    def create(
        self,
        *,
        kind: str,
        parameters: dict[str, Any] | None,
        cron: str,
        root_dir: str | Path,
        policy: str = "skip",
        name: str = "",
        enabled: bool = True,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        check_cron(cron)
        if policy not in POLICIES:
            raise BadParameters(
                f"policy must be one of {', '.join(POLICIES)}", details={"field": "policy"}
            )
        if parameters is not None and not isinstance(parameters, dict):
            raise BadParameters(
                "'parameters' must be a JSON object", details={"field": "parameters"}
            )
        clean = get_kind(kind).validate(dict(parameters or {}), Path(root_dir))
        now = now or utcnow()
        row = ScheduleRow(
            id=uuid.uuid4().hex,
            name=str(name)[:200],
            kind=kind,
            parameters=json.dumps(clean),
            cron=cron,
            policy=policy,
            enabled=bool(enabled),
            root_dir=str(Path(root_dir).resolve()),
            created_at=_naive_utc(now),
            next_run_at=_naive_utc(next_after(cron, now)),
        )
        with self.db.session() as s:
            s.add(row)
        return row.to_dict()

    def get(self, schedule_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.get(ScheduleRow, schedule_id)
            if row is None:
                raise NotFound(f"no schedule with id '{schedule_id}'", code="schedule_not_found")
            return row.to_dict()

    def list(self, *, kind: str | None = None) -> list[dict[str, Any]]:
        query = select(ScheduleRow).order_by(ScheduleRow.created_at)
        if kind:
            query = query.where(ScheduleRow.kind == kind)
        with self.db.session() as s:
            return [row.to_dict() for row in s.scalars(query)]

    def set_enabled(
        self, schedule_id: str, enabled: bool, *, now: datetime | None = None
    ) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.get(ScheduleRow, schedule_id)
            if row is None:
                raise NotFound(f"no schedule with id '{schedule_id}'", code="schedule_not_found")
            row.enabled = bool(enabled)
            if enabled:  # resuming a paused schedule does not replay the paused period
                row.next_run_at = _naive_utc(next_after(row.cron, now or utcnow()))
            return row.to_dict()

    def delete(self, schedule_id: str) -> None:
        with self.db.session() as s:
            row = s.get(ScheduleRow, schedule_id)
            if row is None:
                raise NotFound(f"no schedule with id '{schedule_id}'", code="schedule_not_found")
            s.delete(row)

    def run_due(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Create the jobs of every due schedule (queued, origin ``schedule``); return them."""
        now = _aware(now or utcnow())
        created = []
        with self.db.session() as s:
            due = list(
                s.scalars(
                    select(ScheduleRow).where(
                        ScheduleRow.enabled.is_(True), ScheduleRow.next_run_at <= _naive_utc(now)
                    )
                )
            )
        for row in due:
            times = []
            t = _aware(row.next_run_at)
            while t <= now and len(times) < 10_000:
                times.append(t)
                t = next_after(row.cron, t)
            if row.policy == "skip":
                run_times, skipped = times[-1:], len(times) - 1
            else:
                run_times, skipped = times[-MAX_CATCH_UP:], max(0, len(times) - MAX_CATCH_UP)
            for when in run_times:
                try:
                    job = self.jobs.create(
                        row.kind,
                        json.loads(row.parameters),
                        root_dir=row.root_dir,
                        origin="schedule",
                        schedule_id=row.id,
                        scheduled_for=_naive_utc(when),
                    )
                except Exception as exc:  # e.g. the file was deleted: record, keep the schedule
                    skipped += 1
                    job = {"schedule_id": row.id, "error": str(exc)}
                created.append(job)
            with self.db.session() as s:
                fresh = s.get(ScheduleRow, row.id)
                if fresh is None:
                    continue
                fresh.runs += len(run_times)
                fresh.skipped += skipped
                fresh.last_run_at = _naive_utc(now)
                fresh.next_run_at = _naive_utc(next_after(fresh.cron, now))
        return created
