"""Errors a user can cause, with a stable code and the HTTP status that fits them.

The core raises these; every front door turns them into its own form (a JSON error body, a CLI
message and exit code, a short notebook message) instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class MlkitError(Exception):
    """A problem with the user's input or environment, described for a person."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: Any = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class BadParameters(MlkitError):
    status = 400
    code = "bad_parameters"


class UnknownJobKind(MlkitError):
    status = 400
    code = "unknown_kind"


class NotFound(MlkitError):
    status = 404
    code = "not_found"


class PathOutsideRoot(MlkitError):
    status = 403
    code = "path_outside_root"


class Conflict(MlkitError):
    status = 409
    code = "conflict"


class InvalidConfig(MlkitError):
    """A configuration (e.g. a lifecycle script) with problems; ``details["problems"]`` lists
    each one as ``{"message", "hook", "line"}``."""

    status = 400
    code = "invalid_config"


class RemoteServiceError(MlkitError):
    """AWS (or another remote service) refused a call; the message says which and why."""

    status = 502
    code = "remote_error"


@contextmanager
def lifecycle_errors() -> Iterator[None]:
    """Turn :mod:`jupyter_mlkit.lifecycle` errors into MlkitErrors for every front door."""
    from .aws import AwsUnavailable
    from .lifecycle import LifecycleConfigError, LifecycleNotFound
    from .lifecycle.instances import InstanceInputError, InstanceNotFound
    from .lifecycle.sagemaker import SageMakerError

    try:
        yield
    except (LifecycleNotFound, InstanceNotFound) as exc:
        raise NotFound(str(exc)) from exc
    except InstanceInputError as exc:
        raise BadParameters(f"{exc.field}: {exc}", details={"field": exc.field}) from exc
    except LifecycleConfigError as exc:
        raise InvalidConfig(
            str(exc), details={"problems": [p.to_dict() for p in exc.problems]}
        ) from exc
    except SageMakerError as exc:
        raise RemoteServiceError(str(exc)) from exc
    except AwsUnavailable as exc:
        raise RemoteServiceError(str(exc), code="aws_unavailable", status=503) from exc
    except ValueError as exc:  # an unknown hook, a bad idle policy, a bad number
        raise BadParameters(str(exc)) from exc
