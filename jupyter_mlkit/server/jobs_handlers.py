"""REST handlers for jobs, job kinds and schedules (thin: the logic is in jupyter_mlkit.jobs)."""

from __future__ import annotations

from tornado.web import authenticated

from ..errors import BadParameters
from ..jobs import describe_kinds
from .base import API, MlkitHandler

JOB_ID = r"(?P<job_id>[0-9a-f]{32})"
SCHEDULE_ID = r"(?P<schedule_id>[0-9a-f]{32})"


class KindsHandler(MlkitHandler):
    @authenticated
    async def get(self):
        await self.respond(lambda: {"kinds": describe_kinds()})


class JobsHandler(MlkitHandler):
    @authenticated
    async def get(self):
        limit, offset = self.int_arg("limit", 50), self.int_arg("offset", 0)
        await self.respond(
            self.jobs.store.list,
            kind=self.get_query_argument("kind", None),
            state=self.get_query_argument("state", None),
            schedule_id=self.get_query_argument("schedule_id", None),
            limit=limit,
            offset=offset,
            inline=True,
        )

    @authenticated
    async def post(self):
        body = self.json_body()
        await self.respond(self._create, body, status=201)

    def _create(self, body):
        job = self.jobs.store.create(
            body.get("kind"), body.get("parameters"), root_dir=self.root_dir, origin="api"
        )
        self.jobs.tick()  # start it now when a slot is free, instead of at the next tick
        return self.jobs.store.get(job["id"])


class JobHandler(MlkitHandler):
    @authenticated
    async def get(self, job_id):
        await self.respond(self.jobs.store.get, job_id)

    @authenticated
    async def delete(self, job_id):
        await self.respond(self.jobs.store.delete, job_id, status=204)


class JobCancelHandler(MlkitHandler):
    @authenticated
    async def post(self, job_id):
        await self.respond(self.jobs.cancel, job_id)


class JobRerunHandler(MlkitHandler):
    @authenticated
    async def post(self, job_id):
        await self.respond(self._rerun, job_id, status=201)

    def _rerun(self, job_id):
        job = self.jobs.store.rerun(job_id)
        self.jobs.tick()
        return self.jobs.store.get(job["id"])


class JobLogHandler(MlkitHandler):
    @authenticated
    async def get(self, job_id):
        lines = self.int_arg("lines", 200)
        if not 1 <= lines <= 10000:
            self.send_error_json(400, BadParameters("lines must be 1..10000").to_dict())
            return
        await self.respond(
            lambda: {"job_id": job_id, "log": self.jobs.store.tail_log(job_id, lines=lines)}
        )


class SchedulesHandler(MlkitHandler):
    @authenticated
    async def get(self):
        await self.respond(
            lambda: {"schedules": self.schedules.list(kind=self.get_query_argument("kind", None))}
        )

    @authenticated
    async def post(self):
        body = self.json_body()
        await self.respond(
            lambda: self.schedules.create(
                kind=body.get("kind"),
                parameters=body.get("parameters"),
                cron=body.get("cron"),
                policy=body.get("policy", "skip"),
                name=body.get("name", ""),
                enabled=body.get("enabled", True),
                root_dir=self.root_dir,
            ),
            status=201,
        )


class ScheduleHandler(MlkitHandler):
    @authenticated
    async def get(self, schedule_id):
        await self.respond(self.schedules.get, schedule_id)

    @authenticated
    async def patch(self, schedule_id):
        body = self.json_body()
        if not isinstance(body.get("enabled"), bool):
            self.send_error_json(
                400,
                BadParameters(
                    "body must set 'enabled' to true or false", details={"field": "enabled"}
                ).to_dict(),
            )
            return
        await self.respond(self.schedules.set_enabled, schedule_id, body["enabled"])

    @authenticated
    async def delete(self, schedule_id):
        await self.respond(self.schedules.delete, schedule_id, status=204)


HANDLERS = [
    (rf"{API}/kinds", KindsHandler),
    (rf"{API}/jobs", JobsHandler),
    (rf"{API}/jobs/{JOB_ID}", JobHandler),
    (rf"{API}/jobs/{JOB_ID}/cancel", JobCancelHandler),
    (rf"{API}/jobs/{JOB_ID}/rerun", JobRerunHandler),
    (rf"{API}/jobs/{JOB_ID}/log", JobLogHandler),
    (rf"{API}/schedules", SchedulesHandler),
    (rf"{API}/schedules/{SCHEDULE_ID}", ScheduleHandler),
]
