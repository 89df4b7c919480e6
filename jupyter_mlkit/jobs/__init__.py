"""The one job system for long work: SQLite rows, child-process workers, progress, schedules."""

from .kinds import JobContext, JobKind, describe_kinds, get_kind, kind_names, register_kind
from .runner import JobManager, cancel_job, start_job, wait_for
from .schedules import ScheduleStore
from .store import JobStore

__all__ = [
    "JobContext",
    "JobKind",
    "JobManager",
    "JobStore",
    "ScheduleStore",
    "cancel_job",
    "describe_kinds",
    "get_kind",
    "kind_names",
    "register_kind",
    "start_job",
    "wait_for",
]
