"""History of monitoring runs (per schedule or name) in the project's SQLite database."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from jupyter_mlkit.db import Base, open_db, register_migration

register_migration("monitor", 1)


class MonitorRun(Base):
    __tablename__ = "monitor_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(40))
    violations: Mapped[int] = mapped_column(Integer)
    drifted: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    metrics_json: Mapped[str] = mapped_column(Text)  # drift distances and custom metric values
    output_dir: Mapped[str | None] = mapped_column(String(1000), nullable=True)


def history_db(db: Any = None) -> Any:
    """The database (a path, a Database, or the default) with this module's table in it.

    A process that opened the database before importing this module (the job worker, the server)
    has no ``monitor_runs`` table yet; ``upgrade`` creates it (idempotent), once per Database.
    """
    database = db if hasattr(db, "upgrade") else open_db(db)
    if _UPGRADED.get(str(database.path)) is not database:
        database.upgrade()
        _UPGRADED[str(database.path)] = database
    return database


_UPGRADED: dict[str, Any] = {}


def record_run(name: str, result: Any, *, output_dir: str | None = None, db: Any = None) -> int:
    """Store one result's summary; returns the run id. ``db``: a path, a Database or None."""
    database = history_db(db)
    metrics = {
        "drift": {k: v["distance"] for k, v in result.drift.items()},
        "custom": dict(getattr(result, "custom_metrics", {}) or {}),
    }
    with database.session() as s:
        run = MonitorRun(
            name=name,
            created=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
            status="CompletedWithViolations" if result.violations else "Completed",
            violations=len(result.violations),
            drifted=sum(1 for v in result.drift.values() if v.get("drifted")),
            rows=int(result.statistics.get("dataset", {}).get("item_count", 0)),
            metrics_json=json.dumps(metrics, allow_nan=True),
            output_dir=output_dir,
        )
        s.add(run)
        s.flush()
        return run.id


def runs(name: str, *, limit: int = 100, db: Any = None) -> list[dict[str, Any]]:
    """Newest first, as plain dicts."""
    database = history_db(db)
    with database.session() as s:
        rows = s.scalars(
            select(MonitorRun)
            .where(MonitorRun.name == name)
            .order_by(MonitorRun.id.desc())
            .limit(limit)
        ).all()
        return [
            {
                "id": r.id,
                "name": r.name,
                "created": r.created.isoformat() + "Z",
                "status": r.status,
                "violations": r.violations,
                "drifted": r.drifted,
                "rows": r.rows,
                "metrics": json.loads(r.metrics_json),
                "output_dir": r.output_dir,
            }
            for r in rows
        ]
