"""SageMaker: lifecycle configurations (notebook instance and Studio) and notebook instances.

Every call goes through :func:`jupyter_mlkit.aws.client` (endpoint override, bounded retries).
Each function takes an optional ``client`` so tests can pass a ``botocore.stub.Stubber``-wrapped
client for calls moto does not implement. AWS errors become :class:`SageMakerError` with the
operation, the AWS error code and message.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timezone
from typing import Any

from .config import (
    LifecycleConfig,
    LifecycleConfigError,
    Problem,
    name_problems,
    script_problems,
)

STUDIO_APP_TYPES = ("JupyterServer", "KernelGateway", "JupyterLab", "CodeEditor")
INSTANCE_STATES = ("Pending", "InService", "Stopping", "Stopped", "Failed", "Deleting", "Updating")


class SageMakerError(RuntimeError):
    """A SageMaker call failed; ``code`` is AWS's error code (e.g. ValidationException)."""

    def __init__(self, operation: str, code: str, message: str):
        self.operation, self.code, self.message = operation, code, message
        super().__init__(f"SageMaker {operation} failed: {code}: {message}")


def _client(client: Any | None) -> Any:
    if client is not None:
        return client
    from ..aws import client as make_client

    return make_client("sagemaker")


def _call(client: Any, operation: str, **kwargs) -> dict:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from ..aws import AwsUnavailable

    try:
        return getattr(client, operation)(**kwargs)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise SageMakerError(
            operation, err.get("Code", "Unknown"), err.get("Message", str(exc))
        ) from exc
    except NoCredentialsError as exc:
        raise AwsUnavailable(
            "no AWS credentials found (environment, ~/.aws or instance role): "
            f"SageMaker {operation} was not called"
        ) from exc
    except BotoCoreError as exc:  # unreachable endpoint, bad parameter, no region...
        raise SageMakerError(operation, type(exc).__name__, str(exc)) from exc


def _missing(exc: SageMakerError) -> bool:
    text = exc.message.lower()
    return exc.code in ("ValidationException", "ResourceNotFound") and (
        "does not exist" in text or "not found" in text or "could not find" in text
    )


# -- notebook instance lifecycle configurations -------------------------------------------------
def publish_config(
    config: LifecycleConfig, *, tags: dict[str, str] | None = None, client: Any | None = None
) -> dict:
    """Create the configuration in SageMaker, or update it when the name exists there.

    Returns ``{"action": "created" | "updated", "arn": ...}``.
    """
    body = config.to_sagemaker()  # validates first: nothing invalid is sent
    sm = _client(client)
    try:
        existing = _call(
            sm,
            "describe_notebook_instance_lifecycle_config",
            NotebookInstanceLifecycleConfigName=config.name,
        )
    except SageMakerError as exc:
        if not _missing(exc):
            raise
        existing = None
    if existing is None:
        if tags:
            body["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        out = _call(sm, "create_notebook_instance_lifecycle_config", **body)
        return {"action": "created", "arn": out["NotebookInstanceLifecycleConfigArn"]}
    # Update replaces both hooks; an absent hook is sent as an empty list to clear it.
    body.setdefault("OnCreate", [])
    body.setdefault("OnStart", [])
    _call(sm, "update_notebook_instance_lifecycle_config", **body)
    return {"action": "updated", "arn": existing["NotebookInstanceLifecycleConfigArn"]}


def describe_config(name: str, *, client: Any | None = None) -> dict:
    return _call(
        _client(client),
        "describe_notebook_instance_lifecycle_config",
        NotebookInstanceLifecycleConfigName=name,
    )


def import_config(name: str, *, client: Any | None = None) -> LifecycleConfig:
    """Read a configuration from SageMaker (scripts base64-decoded). Not validated: the caller
    saves it through the store, which validates."""
    return LifecycleConfig.from_sagemaker(describe_config(name, client=client))


def delete_config(name: str, *, client: Any | None = None) -> None:
    _call(
        _client(client),
        "delete_notebook_instance_lifecycle_config",
        NotebookInstanceLifecycleConfigName=name,
    )


def list_configs(*, name_contains: str | None = None, client: Any | None = None) -> list[dict]:
    """Summaries (name, ARN, times) of every notebook-instance configuration, all pages."""
    sm = _client(client)
    kwargs: dict = {"NameContains": name_contains} if name_contains else {}
    out: list[dict] = []
    while True:
        page = _call(sm, "list_notebook_instance_lifecycle_configs", **kwargs)
        out.extend(page.get("NotebookInstanceLifecycleConfigs", []))
        if not page.get("NextToken"):
            return out
        kwargs["NextToken"] = page["NextToken"]


# -- Studio lifecycle configurations ---------------------------------------------------------


def studio_request(
    name: str, script: str | bytes, app_type: str, tags: dict[str, str] | None = None
) -> dict:
    """The ``CreateStudioLifecycleConfig`` body, after the same checks as a notebook config."""
    problems = name_problems(name)
    if app_type not in STUDIO_APP_TYPES:
        problems.append(
            Problem(f"app type must be one of {', '.join(STUDIO_APP_TYPES)}, got {app_type!r}")
        )
    problems += script_problems(script, "script")
    if problems:
        raise LifecycleConfigError(problems, name)
    data = script.encode("utf-8") if isinstance(script, str) else script
    body = {
        "StudioLifecycleConfigName": name,
        "StudioLifecycleConfigContent": base64.b64encode(data).decode("ascii"),
        "StudioLifecycleConfigAppType": app_type,
    }
    if tags:
        body["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return body


def publish_studio_config(
    name: str,
    script: str | bytes,
    app_type: str,
    *,
    tags: dict[str, str] | None = None,
    client: Any | None = None,
) -> str:
    """Create a Studio lifecycle configuration; returns its ARN. (Studio has no update call:
    delete and create again to change one.)"""
    out = _call(
        _client(client),
        "create_studio_lifecycle_config",
        **studio_request(name, script, app_type, tags),
    )
    return out["StudioLifecycleConfigArn"]


def describe_studio_config(name: str, *, client: Any | None = None) -> dict:
    """The Describe response plus ``Script``: the decoded content."""
    out = _call(_client(client), "describe_studio_lifecycle_config", StudioLifecycleConfigName=name)
    out = dict(out)
    out["Script"] = base64.b64decode(out["StudioLifecycleConfigContent"]).decode("utf-8", "replace")
    return out


def delete_studio_config(name: str, *, client: Any | None = None) -> None:
    _call(_client(client), "delete_studio_lifecycle_config", StudioLifecycleConfigName=name)


def list_studio_configs(*, app_type: str | None = None, client: Any | None = None) -> list[dict]:
    sm = _client(client)
    kwargs: dict = {"AppTypeEquals": app_type} if app_type else {}
    out: list[dict] = []
    while True:
        page = _call(sm, "list_studio_lifecycle_configs", **kwargs)
        out.extend(page.get("StudioLifecycleConfigs", []))
        if not page.get("NextToken"):
            return out
        kwargs["NextToken"] = page["NextToken"]


# -- notebook instances ----------------------------------------------------------------------
def list_notebook_instances(*, client: Any | None = None) -> list[dict]:
    """Summaries with ``NotebookInstanceName``, ``NotebookInstanceStatus``, ``InstanceType``..."""
    sm = _client(client)
    kwargs: dict = {}
    out: list[dict] = []
    while True:
        page = _call(sm, "list_notebook_instances", **kwargs)
        out.extend(page.get("NotebookInstances", []))
        if not page.get("NextToken"):
            return out
        kwargs["NextToken"] = page["NextToken"]


def create_notebook_instance(
    name: str,
    *,
    instance_type: str,
    role_arn: str,
    volume_size_gb: int = 5,
    lifecycle_config: str | None = None,
    tags: dict[str, str] | None = None,
    client: Any | None = None,
) -> str:
    """Create a notebook instance; returns its ARN. Inputs are checked before any call."""
    problems = name_problems(name, label="instance name")
    if lifecycle_config is not None:
        problems += name_problems(lifecycle_config, label="lifecycle configuration name")
    if not re.fullmatch(r"ml\.[a-z0-9-]+\.[a-z0-9]+", instance_type or ""):
        problems.append(Problem(f"instance type {instance_type!r} is not like 'ml.t3.medium'"))
    if not isinstance(volume_size_gb, int) or not 5 <= volume_size_gb <= 16384:
        problems.append(Problem(f"volume size must be 5-16384 GB, got {volume_size_gb!r}"))
    if problems:
        raise LifecycleConfigError(problems, name)
    body: dict = {
        "NotebookInstanceName": name,
        "InstanceType": instance_type,
        "RoleArn": role_arn,
        "VolumeSizeInGB": volume_size_gb,
    }
    if lifecycle_config:
        body["LifecycleConfigName"] = lifecycle_config
    if tags:
        body["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return _call(_client(client), "create_notebook_instance", **body)["NotebookInstanceArn"]


def describe_notebook_instance(name: str, *, client: Any | None = None) -> dict:
    return _call(_client(client), "describe_notebook_instance", NotebookInstanceName=name)


def start_notebook_instance(name: str, *, client: Any | None = None) -> None:
    _call(_client(client), "start_notebook_instance", NotebookInstanceName=name)


def stop_notebook_instance(name: str, *, client: Any | None = None) -> None:
    """Stop an instance (the idle auto-stop action on SageMaker)."""
    _call(_client(client), "stop_notebook_instance", NotebookInstanceName=name)


def delete_notebook_instance(name: str, *, client: Any | None = None) -> None:
    _call(_client(client), "delete_notebook_instance", NotebookInstanceName=name)


def apply_schedules(
    schedules: dict, at: datetime | None = None, *, dry_run: bool = False, client: Any | None = None
) -> list[dict]:
    """Start or stop each scheduled instance whose state disagrees with its schedule at ``at``.

    ``schedules`` maps instance names to :class:`~.schedule.InstanceSchedule`. Returns one
    ``{"instance", "state", "action", "done", "error"}`` per instance with a schedule; an
    instance that is not found is reported, not raised, so one bad entry does not stop the rest.
    """
    from .schedule import due_action

    at = at or datetime.now(timezone.utc)
    sm = _client(client)
    states = {
        i["NotebookInstanceName"]: i["NotebookInstanceStatus"]
        for i in list_notebook_instances(client=sm)
    }
    out = []
    for name, schedule in sorted(schedules.items()):
        state = states.get(name)
        row = {"instance": name, "state": state, "action": None, "done": False, "error": None}
        if state is None:
            row["error"] = f"no notebook instance named {name!r}"
        else:
            row["action"] = due_action(schedule, at, state)
            if row["action"] and not dry_run:
                try:
                    (
                        start_notebook_instance
                        if row["action"] == "start"
                        else stop_notebook_instance
                    )(name, client=sm)
                    row["done"] = True
                except SageMakerError as exc:
                    row["error"] = str(exc)
        out.append(row)
    return out
