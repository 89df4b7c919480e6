"""SageMaker notebook instances for the front doors: checked requests, plain rows, schedules.

:mod:`.sagemaker` speaks boto3; this module adds what the REST API, the CLI and the panel share:
input checks that name the offending field, rows with the instance's stored start/stop schedule,
publishing a locally saved lifecycle configuration before an instance that uses it is created,
and applying every stored schedule at a given time.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from typing import Any

from . import sagemaker as sm
from .config import name_problems
from .schedule import InstanceSchedule, ScheduleError, due_action

ROLE_ENV = "MLKIT_SAGEMAKER_ROLE_ARN"
INSTANCE_TYPE_RE = re.compile(r"ml\.[a-z0-9-]+\.[a-z0-9]+")
ROLE_RE = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
VOLUME_MIN_GB, VOLUME_MAX_GB = 5, 16384


class InstanceInputError(ValueError):
    """A bad value in a notebook-instance request; ``field`` names the request field."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class InstanceNotFound(LookupError):
    """No notebook instance by that name (or no schedule for it)."""


def instance_missing(exc: sm.SageMakerError) -> bool:
    """SageMaker (and moto) say ``ValidationException: RecordNotFound`` for an unknown name."""
    text = exc.message.lower().replace(" ", "")
    return exc.code in ("ValidationException", "ResourceNotFound") and (
        "recordnotfound" in text or "doesnotexist" in text or "notfound" in text
    )


def _not_found(name: str, exc: sm.SageMakerError) -> InstanceNotFound:
    return InstanceNotFound(f"no SageMaker notebook instance named {name!r} ({exc.code})")


# -- input checks ------------------------------------------------------------------------------
def check_name(name: Any, field: str = "name", label: str = "instance name") -> str:
    problems = name_problems(name, label=label)
    if problems:
        raise InstanceInputError(field, "; ".join(str(p) for p in problems))
    return name


def check_instance_type(value: Any) -> str:
    if not isinstance(value, str) or not INSTANCE_TYPE_RE.fullmatch(value):
        raise InstanceInputError(
            "instance_type", f"instance type {value!r} is not like 'ml.t3.medium'"
        )
    return value


def check_volume(value: Any) -> int:
    # A form field may send "20"; a bool is a mistake even though it is an int in Python.
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceInputError(
            "volume_size_gb", f"volume size must be a whole number of GB, got {value!r}"
        )
    if not VOLUME_MIN_GB <= value <= VOLUME_MAX_GB:
        raise InstanceInputError(
            "volume_size_gb",
            f"volume size must be {VOLUME_MIN_GB}-{VOLUME_MAX_GB} GB, got {value}",
        )
    return value


def default_role(configured: str | None = None) -> str | None:
    """The role for new instances when a request names none: the server's setting, else $env."""
    return configured or os.environ.get(ROLE_ENV) or None


def check_role(value: Any, default: str | None = None) -> str:
    role = value or default_role(default)
    if not role:
        raise InstanceInputError(
            "role_arn",
            "an IAM role ARN is needed to create a notebook instance: give role_arn, or set "
            f"c.MlkitApp.sagemaker_role_arn or ${ROLE_ENV}",
        )
    if not isinstance(role, str) or not ROLE_RE.fullmatch(role):
        raise InstanceInputError(
            "role_arn", f"role ARN {role!r} is not like 'arn:aws:iam::123456789012:role/NAME'"
        )
    return role


def parse_schedule(text: Any) -> InstanceSchedule:
    if not isinstance(text, str) or not text.strip():
        raise InstanceInputError("schedule", "schedule is empty: write e.g. 'weekdays 09:00-19:00'")
    try:
        return InstanceSchedule.parse(text.strip())
    except ScheduleError as exc:
        raise InstanceInputError("schedule", str(exc)) from exc


# -- rows ------------------------------------------------------------------------------------------
def _iso(value: Any) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if isinstance(value, datetime) else None


def instance_row(raw: dict, schedule: InstanceSchedule | None = None, at: datetime | None = None):
    """A plain row from a List summary or a Describe response, with its schedule if any."""
    state = raw.get("NotebookInstanceStatus")
    row = {
        "name": raw.get("NotebookInstanceName"),
        "arn": raw.get("NotebookInstanceArn"),
        "status": state,
        "instance_type": raw.get("InstanceType"),
        "volume_size_gb": raw.get("VolumeSizeInGB"),
        "lifecycle_config": raw.get("NotebookInstanceLifecycleConfigName"),
        "url": raw.get("Url"),
        "failure_reason": raw.get("FailureReason"),
        "created_at": _iso(raw.get("CreationTime")),
        "last_modified_at": _iso(raw.get("LastModifiedTime")),
        "schedule": schedule.to_dict() if schedule else None,
        "scheduled_action": None,
    }
    if schedule is not None and state:
        row["scheduled_action"] = due_action(schedule, at or datetime.now(timezone.utc), state)
    return row


def list_instances(store, *, client: Any | None = None) -> dict:
    """Every notebook instance with its state and schedule; schedules whose instance is gone are
    listed apart so they can be removed."""
    schedules = store.schedules()
    raw = sm.list_notebook_instances(client=client)
    now = datetime.now(timezone.utc)
    rows = [instance_row(r, schedules.get(r["NotebookInstanceName"]), now) for r in raw]
    names = {r["name"] for r in rows}
    orphans = [
        {"instance": n, "schedule": s.to_dict()} for n, s in schedules.items() if n not in names
    ]
    return {"instances": rows, "orphan_schedules": orphans}


def get_instance(store, name: str, *, client: Any | None = None) -> dict:
    try:
        raw = sm.describe_notebook_instance(name, client=client)
    except sm.SageMakerError as exc:
        if instance_missing(exc):
            raise _not_found(name, exc) from exc
        raise
    return instance_row(raw, store.schedules().get(name))


def create_instance(
    store,
    name: Any,
    *,
    instance_type: Any,
    volume_size_gb: Any = VOLUME_MIN_GB,
    lifecycle_config: Any = None,
    role_arn: Any = None,
    default_role: str | None = None,
    client: Any | None = None,
) -> dict:
    """Check every field, publish the lifecycle configuration when it is saved here, create.

    A configuration saved in this project's store is published to SageMaker first (created, or
    updated to the latest version) so the instance runs what the user sees here; a name not in the
    store must already exist in SageMaker. Returns ``{"instance": row, "published": ...}``.
    """
    from .store import LifecycleNotFound

    name = check_name(name)
    instance_type = check_instance_type(instance_type)
    volume = check_volume(volume_size_gb)
    role = check_role(role_arn, default_role)
    lc_name = lifecycle_config or None
    published = None
    if lc_name is not None:
        check_name(lc_name, "lifecycle_config", "lifecycle configuration name")
        try:
            stored = store.get(lc_name)
        except LifecycleNotFound:
            stored = None
        sagemaker = sm._client(client)
        if stored is not None:
            published = sm.publish_config(stored.to_config(), client=sagemaker)
        else:
            try:
                sm.describe_config(lc_name, client=sagemaker)
            except sm.SageMakerError as exc:
                if not (sm._missing(exc) or instance_missing(exc)):
                    raise
                raise InstanceInputError(
                    "lifecycle_config",
                    f"no lifecycle configuration named {lc_name!r} here or in SageMaker",
                ) from exc
        client = sagemaker
    sm.create_notebook_instance(
        name,
        instance_type=instance_type,
        role_arn=role,
        volume_size_gb=volume,
        lifecycle_config=lc_name,
        client=client,
    )
    return {"instance": get_instance(store, name, client=client), "published": published}


def change_state(store, name: str, action: str, *, client: Any | None = None) -> dict:
    """Start or stop an instance; returns its row after the call (often Pending / Stopping)."""
    fn = {"start": sm.start_notebook_instance, "stop": sm.stop_notebook_instance}[action]
    try:
        fn(name, client=client)
    except sm.SageMakerError as exc:
        if instance_missing(exc):
            raise _not_found(name, exc) from exc
        raise
    return get_instance(store, name, client=client)


def delete_instance(store, name: str, *, client: Any | None = None) -> None:
    """Delete an instance (SageMaker requires it Stopped or Failed) and its stored schedule."""
    try:
        sm.delete_notebook_instance(name, client=client)
    except sm.SageMakerError as exc:
        if instance_missing(exc):
            raise _not_found(name, exc) from exc
        raise
    store.delete_schedule(name)


# -- schedules -------------------------------------------------------------------------------------
def set_schedule(store, name: str, text: Any, *, client: Any | None = None) -> dict:
    """Save an instance's schedule (the instance must exist); returns its row."""
    check_name(name)
    schedule = parse_schedule(text)
    row = get_instance(store, name, client=client)  # an unknown instance is a 404
    store.set_schedule(name, schedule.text)
    row["schedule"] = schedule.to_dict()
    if row["status"]:
        row["scheduled_action"] = due_action(schedule, datetime.now(timezone.utc), row["status"])
    return row


def get_schedule(store, name: str) -> dict:
    schedule = store.schedules().get(name)
    if schedule is None:
        raise InstanceNotFound(f"notebook instance {name!r} has no schedule")
    return {"instance": name, "schedule": schedule.to_dict()}


def delete_schedule(store, name: str) -> None:
    if not store.delete_schedule(name):
        raise InstanceNotFound(f"notebook instance {name!r} has no schedule")


def parse_at(value: Any) -> datetime | None:
    """An ISO 8601 time for ``apply`` (naive means UTC); None means now."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InstanceInputError("at", f"'at' must be an ISO 8601 time, got {value!r}")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InstanceInputError("at", f"'at' {value!r} is not an ISO 8601 time") from exc
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def apply_stored_schedules(
    store, at: datetime | None = None, *, dry_run: bool = False, client: Any | None = None
) -> dict:
    """Start/stop every instance whose stored schedule disagrees with its state at ``at``.

    With no schedules stored, SageMaker is not called at all (the server runs this periodically
    whether or not anyone uses schedules)."""
    at = at or datetime.now(timezone.utc)
    schedules = store.schedules()
    results = sm.apply_schedules(schedules, at, dry_run=dry_run, client=client) if schedules else []
    return {"at": at.isoformat(), "dry_run": dry_run, "results": results}
