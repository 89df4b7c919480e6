"""Job rows: create (only after the parameters validate), read, list, update, delete."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from ..db import Database, open_db
from ..errors import BadParameters, Conflict, NotFound
from .kinds import get_kind
from .models import FINAL_STATES, STATES, JobRow, utcnow


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError) as exc:
        raise BadParameters(f"value is not JSON-serialisable: {exc}") from exc


class JobStore:
    """The jobs table of one database, and the folders that hold each job's log and artifacts."""

    def __init__(self, db: Database | None = None):
        self.db = db or open_db()
        self.jobs_dir = self.db.path.parent / "jobs"

    # -- creating ---------------------------------------------------------------------------
    def create(
        self,
        kind: str,
        parameters: dict[str, Any] | None,
        *,
        root_dir: str | Path,
        origin: str = "api",
        parent_id: str | None = None,
        schedule_id: str | None = None,
        scheduled_for: datetime | None = None,
    ) -> dict[str, Any]:
        """Validate and insert a queued job; nothing is written when validation fails."""
        job_kind = get_kind(kind)
        if parameters is None:
            parameters = {}
        if not isinstance(parameters, dict):
            raise BadParameters(
                "'parameters' must be a JSON object", details={"field": "parameters"}
            )
        clean = job_kind.validate(dict(parameters), Path(root_dir))
        job_id = uuid.uuid4().hex
        folder = self.jobs_dir / job_id
        row = JobRow(
            id=job_id,
            kind=kind,
            parameters=_dumps(clean),
            state="queued",
            message="queued",
            log_path=str(folder / "job.log"),
            origin=origin,
            root_dir=str(Path(root_dir).resolve()),
            parent_id=parent_id,
            schedule_id=schedule_id,
            scheduled_for=scheduled_for,
            created_at=utcnow(),
        )
        with self.db.session() as s:
            s.add(row)
        folder.mkdir(parents=True, exist_ok=True)
        return row.to_dict()

    def rerun(self, job_id: str, *, origin: str = "api") -> dict[str, Any]:
        """A new job with the same kind and parameters (an interrupted job resumes this way)."""
        old = self.get(job_id)
        if old["state"] not in FINAL_STATES:
            raise Conflict(f"job {job_id} is still {old['state']}; cancel it first")
        return self.create(
            old["kind"],
            old["parameters"],
            root_dir=self.root_of(job_id),
            origin=origin,
            parent_id=job_id,
        )

    # -- reading ----------------------------------------------------------------------------
    def get(self, job_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                raise NotFound(f"no job with id '{job_id}'", code="job_not_found")
            return row.to_dict()

    def list(
        self,
        *,
        kind: str | None = None,
        state: str | None = None,
        schedule_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        if state is not None and state not in STATES:
            raise BadParameters(
                f"unknown state '{state}' (one of {', '.join(STATES)})", details={"field": "state"}
            )
        if not 1 <= limit <= 1000 or offset < 0:
            raise BadParameters("limit must be 1..1000 and offset >= 0", details={"field": "limit"})
        query = select(JobRow)
        count = select(func.count()).select_from(JobRow)
        for column, value in (
            (JobRow.kind, kind),
            (JobRow.state, state),
            (JobRow.schedule_id, schedule_id),
        ):
            if value is not None:
                query = query.where(column == value)
                count = count.where(column == value)
        query = query.order_by(JobRow.created_at.desc(), JobRow.id).limit(limit).offset(offset)
        with self.db.session() as s:
            total = s.scalar(count) or 0
            jobs = [row.to_dict() for row in s.scalars(query)]
        return {"jobs": jobs, "total": total, "limit": limit, "offset": offset}

    def rows_in_state(self, state: str) -> list[JobRow]:
        with self.db.session() as s:
            return list(
                s.scalars(select(JobRow).where(JobRow.state == state).order_by(JobRow.created_at))
            )

    def count_running(self) -> int:
        with self.db.session() as s:
            return (
                s.scalar(select(func.count()).select_from(JobRow).where(JobRow.state == "running"))
                or 0
            )

    def tail_log(self, job_id: str, *, lines: int = 200) -> str:
        job = self.get(job_id)
        path = Path(job["log_path"] or "")
        if not path.is_file():
            return ""
        with path.open("rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 256 * 1024))
            data = fh.read().decode("utf-8", errors="replace")
        return "\n".join(data.splitlines()[-lines:])

    # -- state changes (conditional, so a cancel is never overwritten) ----------------------
    def _transition(self, job_id: str, from_states: tuple[str, ...], **values: Any) -> bool:
        with self.db.session() as s:
            res = s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.state.in_(from_states))
                .values(**values)
            )
            return res.rowcount == 1

    def claim(self, job_id: str, pid: int, pid_started: float) -> bool:
        return self._transition(
            job_id,
            ("queued",),
            state="running",
            pid=pid,
            pid_started=pid_started,
            started_at=utcnow(),
            message="started",
        )

    def set_progress(self, job_id: str, fraction: float, message: str) -> None:
        self._transition(job_id, ("running",), progress=fraction, message=message[:2000])

    def complete(self, job_id: str, result: Any, artifacts: list[str]) -> bool:
        return self._transition(
            job_id,
            ("running",),
            state="completed",
            progress=1.0,
            result=_dumps(result),
            artifacts=_dumps(artifacts),
            finished_at=utcnow(),
            message="completed",
        )

    def fail(
        self,
        job_id: str,
        error: dict[str, Any],
        *,
        state: str = "failed",
        from_states: tuple[str, ...] = ("running",),
    ) -> bool:
        return self._transition(
            job_id,
            from_states,
            state=state,
            error=_dumps(error),
            finished_at=utcnow(),
            message=error.get("message", state),
        )

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Mark cancelled; the caller stops the process (see runner.cancel_job)."""
        job = self.get(job_id)
        if job["state"] in FINAL_STATES:
            raise Conflict(f"job {job_id} already {job['state']}", code="job_finished")
        self._transition(
            job_id,
            ("queued", "running"),
            state="cancelled",
            finished_at=utcnow(),
            message="cancelled by the user",
        )
        return self.get(job_id)

    def delete(self, job_id: str) -> None:
        job = self.get(job_id)
        if job["state"] not in FINAL_STATES:
            raise Conflict(
                f"job {job_id} is {job['state']}; cancel it before deleting", code="job_active"
            )
        with self.db.session() as s:
            s.delete(s.get(JobRow, job_id))
        shutil.rmtree(self.jobs_dir / job_id, ignore_errors=True)

    def root_of(self, job_id: str) -> str:
        with self.db.session() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                raise NotFound(f"no job with id '{job_id}'", code="job_not_found")
            return row.root_dir

    def process_of(self, job_id: str) -> tuple[int | None, float | None]:
        with self.db.session() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                raise NotFound(f"no job with id '{job_id}'", code="job_not_found")
            return row.pid, row.pid_started
