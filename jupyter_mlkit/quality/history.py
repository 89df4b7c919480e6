"""Metric history in the project's SQLite database, per dataset (and optionally ruleset).

Every evaluation given a ``history`` records its metrics here; dynamic rules (``last(k)``) and
``DetectAnomalies`` read them back.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import DateTime, Float, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, open_db, register_migration

register_migration("quality", 1)
_UPGRADED: set[int] = set()


class MetricRecord(Base):
    __tablename__ = "dq_metric_history"
    __table_args__ = (Index("ix_dq_metric_lookup", "dataset", "metric", "recorded_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(512))
    ruleset: Mapped[str] = mapped_column(String(512), default="")
    run_id: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    metric: Mapped[str] = mapped_column(String(512))
    value: Mapped[float] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)


class MetricHistory:
    """The metric history of one dataset (and ruleset name, when given)."""

    def __init__(self, dataset: str, ruleset: str | None = None, db_path: str | None = None):
        if not dataset:
            raise ValueError("a history needs a dataset name")
        self.dataset = dataset
        self.ruleset = ruleset
        self.db_path = db_path

    def _db(self):
        db = open_db(self.db_path)
        if id(db) not in _UPGRADED:
            # The database may have been opened before this module declared its table.
            db.upgrade()
            _UPGRADED.add(id(db))
        return db

    def _where(self, stmt):
        stmt = stmt.where(MetricRecord.dataset == self.dataset)
        if self.ruleset:
            stmt = stmt.where(MetricRecord.ruleset == self.ruleset)
        return stmt

    def last(self, metric: str, k: int, before: datetime | None = None) -> list[float]:
        """The ``k`` most recent recorded values of ``metric``, newest first."""
        stmt = self._where(select(MetricRecord.value).where(MetricRecord.metric == metric))
        if before is not None:
            stmt = stmt.where(MetricRecord.recorded_at < before)
        stmt = stmt.order_by(MetricRecord.recorded_at.desc(), MetricRecord.id.desc()).limit(k)
        with self._db().session() as s:
            return [float(v) for v in s.scalars(stmt)]

    def record(
        self,
        metrics: dict[str, float],
        *,
        at: datetime | None = None,
        run_id: str | None = None,
        score: float | None = None,
    ) -> str:
        """Store one run's metrics (all or nothing). Returns the run id."""
        run_id = run_id or uuid.uuid4().hex
        at = at or datetime.now(timezone.utc).replace(tzinfo=None)
        rows = [
            MetricRecord(
                dataset=self.dataset,
                ruleset=self.ruleset or "",
                run_id=run_id,
                recorded_at=at,
                metric=name,
                value=float(value),
                score=score,
            )
            for name, value in metrics.items()
            if value is not None and value == value  # skip NaN
        ]
        with self._db().session() as s:
            s.add_all(rows)
        return run_id

    def series(self, metric: str) -> list[tuple[datetime, float]]:
        """(time, value) pairs of one metric, oldest first (for charts)."""
        stmt = self._where(select(MetricRecord.recorded_at, MetricRecord.value))
        stmt = stmt.where(MetricRecord.metric == metric).order_by(MetricRecord.recorded_at)
        with self._db().session() as s:
            return [(r[0], r[1]) for r in s.execute(stmt)]

    def runs(self) -> list[dict]:
        """One entry per recorded run: id, time and score, oldest first."""
        stmt = self._where(
            select(MetricRecord.run_id, MetricRecord.recorded_at, MetricRecord.score)
        ).distinct()
        with self._db().session() as s:
            rows = sorted({(r[0], r[1], r[2]) for r in s.execute(stmt)}, key=lambda r: r[1])
        return [{"run_id": r[0], "recorded_at": r[1].isoformat(), "score": r[2]} for r in rows]

    def metrics(self) -> list[str]:
        stmt = self._where(select(MetricRecord.metric)).distinct()
        with self._db().session() as s:
            return sorted(s.scalars(stmt))
