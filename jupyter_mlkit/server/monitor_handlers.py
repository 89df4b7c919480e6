"""REST handlers for the model monitor (thin: the work is in jupyter_mlkit.monitor and its jobs).

Monitoring schedules are the generic ``/schedules`` with kind ``monitor-analyze``; their runs
are ``GET /jobs?schedule_id=...`` and their history ``GET monitor/history?name=...``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tornado.web import authenticated

from ..errors import BadParameters, Conflict
from .base import API, MlkitHandler
from .jobs_handlers import JOB_ID

MAX_HISTORY_RUNS = 1000


class _CreateJob(MlkitHandler):
    kind = ""

    @authenticated
    async def post(self):
        body = self.json_body()
        await self.respond(self._create, body, status=201)

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        job = self.jobs.store.create(self.kind, body, root_dir=self.root_dir, origin="api")
        self.jobs.tick()
        return self.jobs.store.get(job["id"])


class BaselineHandler(_CreateJob):
    kind = "monitor-baseline"

    @authenticated
    async def post(self):
        await super().post()


class AnalyzeHandler(_CreateJob):
    kind = "monitor-analyze"

    @authenticated
    async def post(self):
        await super().post()


class QualityHandler(_CreateJob):
    kind = "monitor-quality"

    @authenticated
    async def post(self):
        await super().post()


class HistoryHandler(MlkitHandler):
    @authenticated
    async def get(self):
        name = self.get_query_argument("name", "")
        limit = self.int_arg("limit", 100)
        await self.respond(self._history, name, limit)

    def _history(self, name: str, limit: int) -> dict[str, Any]:
        from ..jobs.monitor_kind import clean_json
        from ..monitor.history import runs

        if not name:
            raise BadParameters("query argument 'name' is required", details={"field": "name"})
        if not 1 <= limit <= MAX_HISTORY_RUNS:
            raise BadParameters(f"limit must be 1..{MAX_HISTORY_RUNS}", details={"field": "limit"})
        found = runs(name, limit=limit, db=self.settings["mlkit_db"])
        return clean_json({"name": name, "runs": list(reversed(found))})  # oldest first


class PlotsHandler(MlkitHandler):
    @authenticated
    async def get(self, job_id: str):
        await self.respond(self._plots, job_id)

    def _plots(self, job_id: str) -> dict[str, Any]:
        from ..jobs.monitor_kind import DRIFT_PLOT, FEATURE_PLOTS

        job = self.jobs.store.get(job_id)
        if job["kind"] != "monitor-analyze":
            raise BadParameters(
                f"job {job_id} is a {job['kind']} job; plots belong to monitor-analyze jobs",
                details={"field": "job_id"},
            )
        if job["state"] != "completed":
            raise Conflict(f"job {job_id} is {job['state']}; plots exist once it has completed")
        by_name = {Path(p).name: Path(p) for p in job["artifacts"]}
        docs = {}
        for key, name in (("drift", DRIFT_PLOT), ("features", FEATURE_PLOTS)):
            path = by_name.get(name)
            if path is None or not path.is_file():
                raise Conflict(f"job {job_id} has no {name} (its files were removed)")
            docs[key] = json.loads(path.read_text(encoding="utf-8"))
        result = job["result"] or {}
        return {
            "job_id": job_id,
            "name": result.get("name"),
            "drift": docs["drift"],
            "features": docs["features"],
            "drifted": result.get("drifted", []),
        }


HANDLERS = [
    (rf"{API}/monitor/baseline", BaselineHandler),
    (rf"{API}/monitor/analyze", AnalyzeHandler),
    (rf"{API}/monitor/quality", QualityHandler),
    (rf"{API}/monitor/history", HistoryHandler),
    (rf"{API}/monitor/plots/{JOB_ID}", PlotsHandler),
]
