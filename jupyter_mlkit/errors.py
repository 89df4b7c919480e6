"""Errors a user can cause, with a stable code and the HTTP status that fits them.

The core raises these; every front door turns them into its own form (a JSON error body, a CLI
message and exit code, a short notebook message) instead of a traceback.
"""

from __future__ import annotations

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
