"""The lifecycle component's tables in the project's SQLite database (schema version 1)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, register_migration

register_migration("lifecycle", 1)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC in SQLite, hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ConfigRow(Base):
    __tablename__ = "lifecycle_config"
    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    latest_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VersionRow(Base):
    __tablename__ = "lifecycle_config_version"
    __table_args__ = (UniqueConstraint("name", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(
        String(63), ForeignKey("lifecycle_config.name", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    on_create: Mapped[str | None] = mapped_column(Text, nullable=True)
    on_start: Mapped[str | None] = mapped_column(Text, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AttachmentRow(Base):
    __tablename__ = "lifecycle_attachment"
    server: Mapped[str] = mapped_column(String(255), primary_key=True)
    config_name: Mapped[str] = mapped_column(
        String(63), ForeignKey("lifecycle_config.name", ondelete="RESTRICT")
    )
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OnCreateRow(Base):
    """One row per (data directory, configuration) whose on-create has run: it never runs again."""

    __tablename__ = "lifecycle_on_create_done"
    data_dir: Mapped[str] = mapped_column(String(1024), primary_key=True)
    config_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RunRow(Base):
    # No foreign key to the configuration: history outlives a deleted configuration.
    __tablename__ = "lifecycle_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    config_name: Mapped[str] = mapped_column(String(63), index=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hook: Mapped[str] = mapped_column(String(16))
    server: Mapped[str] = mapped_column(String(255))
    data_dir: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    log_stream: Mapped[str] = mapped_column(String(512))
    log_path: Mapped[str] = mapped_column(String(2048))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="running")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ScheduleRow(Base):
    """A start/stop schedule of a SageMaker notebook instance (text as typed, parsed on read)."""

    __tablename__ = "lifecycle_instance_schedule"
    instance_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    spec: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
