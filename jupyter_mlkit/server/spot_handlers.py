"""REST handlers for managed spot training (thin: jupyter_mlkit.spot and the spot-run job).

``POST spot/run`` creates a ``spot-run`` job (it shows in ``/jobs`` like any other);
``GET spot/events/{job_id}?offset=`` reads its events.jsonl incrementally (a live timeline and
loss curve); ``GET spot/prices`` is the shipped price table; ``GET spot/placement`` asks EC2's spot
price history where and when spot is cheapest (a thread: one paginated AWS call).
"""

from __future__ import annotations

from typing import Any

from tornado.web import authenticated

from ..errors import BadParameters, NotFound, RemoteServiceError
from .base import API, MlkitHandler
from .jobs_handlers import JOB_ID


class RunHandler(MlkitHandler):
    @authenticated
    async def post(self):
        body = self.json_body()
        await self.respond(self._create, body, status=201)

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        job = self.jobs.store.create("spot-run", body, root_dir=self.root_dir, origin="api")
        self.jobs.tick()
        return self.jobs.store.get(job["id"])


class EventsHandler(MlkitHandler):
    @authenticated
    async def get(self, job_id: str):
        offset = self.int_arg("offset", 0)
        limit = self.int_arg("limit", 2000)
        await self.respond(self._events, job_id, offset, limit)

    def _events(self, job_id: str, offset: int, limit: int) -> dict[str, Any]:
        from ..errors import BadParameters
        from ..jobs.spot_kind import MAX_EVENTS_PAGE, read_events

        if not 1 <= limit <= MAX_EVENTS_PAGE:
            raise BadParameters(f"limit must be 1..{MAX_EVENTS_PAGE}", details={"field": "limit"})
        return read_events(self.jobs.store.get(job_id), offset, limit)


class PricesHandler(MlkitHandler):
    @authenticated
    async def get(self):
        instance_type = self.get_query_argument("instance_type", None)
        await self.respond(self._prices, instance_type)

    def _prices(self, instance_type: str | None) -> dict[str, Any]:
        from ..spot import load_prices

        table = load_prices()
        rows = table["instances"]
        if instance_type:
            if instance_type not in rows:
                raise NotFound(
                    f"no price for instance type '{instance_type}'",
                    code="unknown_instance_type",
                    details={"known": sorted(rows)},
                )
            rows = {instance_type: rows[instance_type]}
        return {**table, "instances": rows}


class PlacementHandler(MlkitHandler):
    @authenticated
    async def get(self):
        types = [
            t
            for arg in self.get_query_arguments("instance_types")
            + self.get_query_arguments("instance_type")
            for t in arg.split(",")
        ]
        region = self.get_query_argument("region", None) or None
        days = self.get_query_argument("days", "7")
        await self.respond(self._advice, types, region, days)

    def _advice(self, types: list[str], region: str | None, days: str) -> dict[str, Any]:
        from ..spot import NoPriceHistory, PriceHistoryUnavailable, placement_advice

        try:
            n_days = float(days)
        except ValueError as exc:
            raise BadParameters("'days' must be a number", details={"field": "days"}) from exc
        try:
            return placement_advice(types, region=region, days=n_days).to_dict()
        except NoPriceHistory as exc:
            raise NotFound(
                str(exc),
                code="no_price_history",
                details={"instance_types": exc.instance_types, "region": exc.region},
            ) from exc
        except PriceHistoryUnavailable as exc:
            raise RemoteServiceError(str(exc), code="aws_unavailable", status=503) from exc
        except ValueError as exc:
            raise BadParameters(str(exc), details={"field": "instance_types"}) from exc


HANDLERS = [
    (rf"{API}/spot/run", RunHandler),
    (rf"{API}/spot/events/{JOB_ID}", EventsHandler),
    (rf"{API}/spot/prices", PricesHandler),
    (rf"{API}/spot/placement", PlacementHandler),
]
