"""REST routes for SageMaker notebook instances and their start/stop schedules (thin: the logic is
in :mod:`jupyter_mlkit.lifecycle.instances`)."""

from __future__ import annotations

from tornado.web import authenticated

from ..errors import BadParameters
from ..lifecycle import instances as ni
from .base import API
from .lifecycle_handlers import NAME, _LcHandler


class InstancesHandler(_LcHandler):
    @authenticated
    async def get(self):
        await self.call(self._list)

    def _list(self):
        out = ni.list_instances(self.lc.store)
        out["default_role"] = ni.default_role(self.lc.sagemaker_role_arn) is not None
        return out

    @authenticated
    async def post(self):
        body = self.json_body()
        await self.call(
            lambda: ni.create_instance(
                self.lc.store,
                body.get("name"),
                instance_type=body.get("instance_type"),
                volume_size_gb=body.get("volume_size_gb", ni.VOLUME_MIN_GB),
                lifecycle_config=body.get("lifecycle_config"),
                role_arn=body.get("role_arn"),
                default_role=self.lc.sagemaker_role_arn,
            ),
            status=201,
        )


class InstanceHandler(_LcHandler):
    @authenticated
    async def get(self, name):
        await self.call(ni.get_instance, self.lc.store, name)

    @authenticated
    async def delete(self, name):
        await self.call(ni.delete_instance, self.lc.store, name, status=204)


class InstanceStartHandler(_LcHandler):
    @authenticated
    async def post(self, name):
        await self.call(ni.change_state, self.lc.store, name, "start", status=202)


class InstanceStopHandler(_LcHandler):
    @authenticated
    async def post(self, name):
        await self.call(ni.change_state, self.lc.store, name, "stop", status=202)


class InstanceScheduleHandler(_LcHandler):
    @authenticated
    async def get(self, name):
        await self.call(ni.get_schedule, self.lc.store, name)

    @authenticated
    async def put(self, name):
        body = self.json_body()
        await self.call(ni.set_schedule, self.lc.store, name, body.get("schedule"))

    @authenticated
    async def delete(self, name):
        await self.call(ni.delete_schedule, self.lc.store, name, status=204)


class SchedulesHandler(_LcHandler):
    @authenticated
    async def get(self):
        await self.call(self._get)

    def _get(self):
        return {
            "schedules": [
                {"instance": n, "schedule": s.to_dict()}
                for n, s in self.lc.store.schedules().items()
            ],
            "interval_s": self.lc.instance_schedule_interval_s,
            "last_applied": self.lc.last_schedule_apply,
        }


class SchedulesApplyHandler(_LcHandler):
    @authenticated
    async def post(self):
        body = self.json_body()
        await self.call(self._apply, body)

    def _apply(self, body):
        dry_run = body.get("dry_run", False)
        if not isinstance(dry_run, bool):
            raise BadParameters("'dry_run' must be true or false", details={"field": "dry_run"})
        return self.lc.apply_instance_schedules(ni.parse_at(body.get("at")), dry_run=dry_run)


NI = f"{API}/lifecycle/notebook-instances"
HANDLERS = [
    (rf"{NI}", InstancesHandler),
    (rf"{NI}/{NAME}", InstanceHandler),
    (rf"{NI}/{NAME}/start", InstanceStartHandler),
    (rf"{NI}/{NAME}/stop", InstanceStopHandler),
    (rf"{NI}/{NAME}/schedule", InstanceScheduleHandler),
    (rf"{API}/lifecycle/instance-schedules", SchedulesHandler),
    (rf"{API}/lifecycle/instance-schedules/apply", SchedulesApplyHandler),
]
