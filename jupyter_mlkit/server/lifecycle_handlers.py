"""REST routes for lifecycle configurations (thin: the logic is in jupyter_mlkit.lifecycle and
:mod:`.lifecycle_service`)."""

from __future__ import annotations

from typing import Any

from tornado.web import authenticated

from ..errors import BadParameters, NotFound, lifecycle_errors
from ..lifecycle import LifecycleConfig, list_templates
from ..lifecycle.templates import TEMPLATES
from .base import API, MlkitHandler
from .lifecycle_service import LifecycleService

NAME = r"(?P<name>[^/]+)"
RUN_ID = r"(?P<run_id>[^/]+)"
TEMPLATE = r"(?P<template>[^/]+)"


# -- REST ------------------------------------------------------------------------------------------
def _script(body: dict, key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadParameters(
            f"'{key}' must be a string (the script) or null", details={"field": key}
        )
    return value if value.strip() else None  # an empty editor means "no script"


def _config(body: dict, name: Any) -> LifecycleConfig:
    if not isinstance(name, str):
        raise BadParameters("'name' must be a string", details={"field": "name"})
    description = body.get("description") or ""
    return LifecycleConfig(
        name, _script(body, "on_create"), _script(body, "on_start"), str(description)
    )


class _LcHandler(MlkitHandler):
    @property
    def lc(self) -> LifecycleService:
        return self.settings["mlkit_lifecycle"]

    async def call(self, fn, *args, status: int = 200, **kwargs) -> None:
        def guarded():
            with lifecycle_errors():
                return fn(*args, **kwargs)

        await self.respond(guarded, status=status)

    def config_dict(self, stored) -> dict:
        att = self.lc.store.attachment(self.lc.server)
        return {**stored.to_dict(), "attached": bool(att and att.config_name == stored.name)}


class ConfigsHandler(_LcHandler):
    @authenticated
    async def get(self):
        await self.call(self._list)

    def _list(self):
        att = self.lc.store.attachment(self.lc.server)
        return {
            "server": self.lc.server,
            "attached": att.config_name if att else None,
            "configs": [self.config_dict(c) for c in self.lc.store.list()],
        }

    @authenticated
    async def post(self):
        body = self.json_body()
        await self.call(
            lambda: self.config_dict(self.lc.store.create(_config(body, body.get("name")))),
            status=201,
        )


class ConfigHandler(_LcHandler):
    @authenticated
    async def get(self, name):
        version = self.get_query_argument("version", None)
        await self.call(
            lambda: self.config_dict(
                self.lc.store.get(name, int(version) if version is not None else None)
            )
        )

    @authenticated
    async def put(self, name):
        body = self.json_body()
        await self.call(lambda: self.config_dict(self.lc.store.update(_config(body, name))))

    @authenticated
    async def delete(self, name):
        force = self.get_query_argument("force", "false").lower() in ("1", "true", "yes")
        await self.call(self._delete, name, force, status=204)

    def _delete(self, name, force):
        self.lc.store.delete(name, force=force)
        self.lc.refresh()


class VersionsHandler(_LcHandler):
    @authenticated
    async def get(self, name):
        await self.call(lambda: {"versions": [v.to_dict() for v in self.lc.store.versions(name)]})


class RunNowHandler(_LcHandler):
    @authenticated
    async def post(self, name):
        body = self.json_body()
        await self.call(self.lc.run_now, name, body.get("hook", "on-start"), status=202)


class ValidateHandler(_LcHandler):
    @authenticated
    async def post(self):
        body = self.json_body()
        await self.call(self._validate, body)

    def _validate(self, body):
        # Without a name only the scripts are checked (the editor validates as one types).
        cfg = _config(body, body.get("name", "unnamed"))
        problems = cfg.problems()
        if "name" not in body:
            problems = [p for p in problems if p.hook is not None]
        return {"valid": not problems, "problems": [p.to_dict() for p in problems]}


class TemplatesHandler(_LcHandler):
    @authenticated
    async def get(self):
        await self.call(lambda: {"templates": [t.to_dict() for t in list_templates()]})


class TemplateRenderHandler(_LcHandler):
    @authenticated
    async def post(self, template):
        body = self.json_body()
        await self.call(self._render, template, body)

    def _render(self, template, body):
        if template not in TEMPLATES:
            raise NotFound(
                f"no template named {template!r}; available: {', '.join(TEMPLATES)}",
                details={"template": template},
            )
        params = body.get("params") or {}
        if not isinstance(params, dict):
            raise BadParameters("'params' must be an object", details={"field": "params"})
        t = TEMPLATES[template]
        return {"template": t.name, "hook": t.hook.replace("_", "-"), "script": t.render(params)}


class AttachmentHandler(_LcHandler):
    @authenticated
    async def get(self):
        await self.call(self._get)

    def _get(self):
        att = self.lc.store.attachment(self.lc.server)
        return {"server": self.lc.server, "attached": att.to_dict() if att else None}

    @authenticated
    async def put(self):
        body = self.json_body()
        await self.call(self._attach, body.get("name"))

    def _attach(self, name):
        if not isinstance(name, str) or not name:
            raise BadParameters("'name' (the configuration to attach) is required")
        att = self.lc.store.attach(name, self.lc.server)
        self.lc.refresh()
        return {
            "server": self.lc.server,
            "attached": att.to_dict(),
            "message": f"{name} runs at the next start of this server",
        }

    @authenticated
    async def delete(self):
        await self.call(self._detach)

    def _detach(self):
        detached = self.lc.store.detach(self.lc.server)
        self.lc.refresh()
        return {"server": self.lc.server, "detached": detached}


class RunsHandler(_LcHandler):
    @authenticated
    async def get(self):
        limit = self.int_arg("limit", 50)
        name = self.get_query_argument("name", None)
        hook = self.get_query_argument("hook", None)
        await self.call(
            lambda: {
                "runs": [
                    r.to_dict() for r in self.lc.store.runs(name, hook=hook, limit=max(1, limit))
                ]
            }
        )


def _run_id(value: str) -> int:
    if not value.isdigit():
        raise BadParameters(f"run id must be a number, got {value!r}", details={"field": "run_id"})
    return int(value)


class RunHandler(_LcHandler):
    @authenticated
    async def get(self, run_id):
        await self.call(lambda: self.lc.store.get_run(_run_id(run_id)).to_dict())


class RunLogHandler(_LcHandler):
    @authenticated
    async def get(self, run_id):
        offset = self.int_arg("offset", 0)
        max_bytes = self.int_arg("max_bytes", 1 << 20)
        if offset < 0 or not 1 <= max_bytes <= 16 << 20:
            error = BadParameters("offset must be >= 0 and max_bytes 1..16777216")
            self.send_error_json(error.status, error.to_dict())
            return
        await self.call(
            lambda: self.lc.store.read_log(_run_id(run_id), offset=offset, max_bytes=max_bytes)
        )


class IdleHandler(_LcHandler):
    @authenticated
    async def get(self):
        await self.call(self.lc.idle_status)


class IdlePostponeHandler(_LcHandler):
    @authenticated
    async def post(self):
        body = self.json_body()
        await self.call(self.lc.postpone, body.get("seconds", 3600))


class LifecycleStatusHandler(_LcHandler):
    @authenticated
    async def get(self):
        await self.call(self.lc.refresh)


LC = f"{API}/lifecycle"
HANDLERS = [
    (rf"{LC}/configs", ConfigsHandler),
    (rf"{LC}/configs/{NAME}", ConfigHandler),
    (rf"{LC}/configs/{NAME}/versions", VersionsHandler),
    (rf"{LC}/configs/{NAME}/run", RunNowHandler),
    (rf"{LC}/validate", ValidateHandler),
    (rf"{LC}/templates", TemplatesHandler),
    (rf"{LC}/templates/{TEMPLATE}/render", TemplateRenderHandler),
    (rf"{LC}/attachment", AttachmentHandler),
    (rf"{LC}/runs", RunsHandler),
    (rf"{LC}/runs/{RUN_ID}", RunHandler),
    (rf"{LC}/runs/{RUN_ID}/log", RunLogHandler),
    (rf"{LC}/idle", IdleHandler),
    (rf"{LC}/idle/postpone", IdlePostponeHandler),
    (rf"{LC}/status", LifecycleStatusHandler),
]
