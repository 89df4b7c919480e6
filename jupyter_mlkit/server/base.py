"""What every handler shares: authentication, JSON errors, and work off the event loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado.web import HTTPError

from ..errors import BadParameters, MlkitError

API = "mlkit/api/v1"


class MlkitHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every jupyter-mlkit handler. Subclasses put ``@authenticated`` on every verb."""

    @property
    def jobs(self):
        return self.settings["mlkit_jobs"]

    @property
    def schedules(self):
        return self.settings["mlkit_schedules"]

    @property
    def root_dir(self) -> str:
        return self.settings["mlkit_root_dir"]

    def json_body(self) -> dict[str, Any]:
        """The request's JSON object body ({} when empty); a 400 naming the problem otherwise."""
        raw = self.request.body
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise BadParameters(f"the request body is not valid JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise BadParameters("the request body must be a JSON object")
        return body

    def int_arg(self, name: str, default: int) -> int:
        value = self.get_query_argument(name, None)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise BadParameters(
                f"query argument '{name}' must be an integer", details={"field": name}
            ) from exc

    async def respond(
        self,
        fn: Callable[..., Any],
        *args: Any,
        status: int = 200,
        inline: bool = False,
        **kwargs: Any,
    ) -> None:
        """Run ``fn`` in a thread and answer with its JSON result, or with a JSON error.

        ``inline=True`` runs ``fn`` on the event loop instead: only for reads of a millisecond or
        so (SQLite in WAL mode never blocks a reader), where a thread hop costs more than the work
        and, under many concurrent requests, queues behind the thread pool.
        """
        try:
            if inline:
                result = fn(*args, **kwargs)
            else:
                result = await asyncio.to_thread(fn, *args, **kwargs)
        except MlkitError as exc:
            self.send_error_json(exc.status, exc.to_dict())
            return
        self.set_status(status)
        if status == 204:
            self.finish()
        else:
            self.finish(json.dumps(result, default=str))

    def send_error_json(self, status: int, error: dict[str, Any]) -> None:
        self.clear()
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": error}, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error, ours or Tornado's, as ``{"error": {"code", "message", "details"}}``."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, MlkitError):
            self.set_status(exc.status)
            body = exc.to_dict()
        else:
            message = self._reason
            if isinstance(exc, HTTPError) and exc.log_message:
                message = exc.log_message % exc.args if exc.args else exc.log_message
            elif status_code >= 500:
                message = "internal server error; see the Jupyter server log"
            body = {"code": _code_for(status_code), "message": message, "details": None}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": body}, default=str))


def _code_for(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
    }.get(status, "server_error")
