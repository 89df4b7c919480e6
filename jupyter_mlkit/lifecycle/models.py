"""Plain records handed out by the store and the runner (no database session attached)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from .config import LifecycleConfig


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class StoredConfig:
    """One version of a saved configuration."""

    name: str
    version: int
    on_create: str | None
    on_start: str | None
    description: str
    created_at: datetime  # when this version was saved
    latest_version: int

    def to_config(self) -> LifecycleConfig:
        return LifecycleConfig(self.name, self.on_create, self.on_start, self.description)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["created_at"] = _iso(self.created_at)
        return d


@dataclass(frozen=True)
class Attachment:
    server: str
    config_name: str
    attached_at: datetime

    def to_dict(self) -> dict:
        return {
            "server": self.server,
            "config_name": self.config_name,
            "attached_at": _iso(self.attached_at),
        }


@dataclass(frozen=True)
class RunRecord:
    """One execution of one hook. ``status`` is running, succeeded, failed or timed_out."""

    config_name: str
    hook: str  # on_create | on_start
    server: str
    log_stream: str  # "<server>/LifecycleConfigOnStart", as SageMaker names it
    log_path: str
    started_at: datetime
    finished_at: datetime | None = None
    exit_code: int | None = None
    timed_out: bool = False
    status: str = "running"
    error: str | None = None  # why it could not start, or what was killed
    version: int | None = None
    data_dir: str | None = None
    id: int | None = None  # row id when recorded in a store

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["started_at"] = _iso(self.started_at)
        d["finished_at"] = _iso(self.finished_at)
        d["duration_s"] = self.duration_s
        return d
