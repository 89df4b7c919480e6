"""REST handlers for the training compiler (thin: the work is in jupyter_mlkit.compiler).

``POST compile/bench`` creates a ``compile-bench`` job (it shows in the generic Jobs list; its
result is the benchmark row); ``GET compile/zoo`` lists the zoo's models and sizes.
"""

from __future__ import annotations

from typing import Any

from tornado.web import authenticated

from .base import API, MlkitHandler


class BenchHandler(MlkitHandler):
    @authenticated
    async def post(self):
        body = self.json_body()
        await self.respond(self._create, body, status=201)

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        job = self.jobs.store.create("compile-bench", body, root_dir=self.root_dir, origin="api")
        self.jobs.tick()
        return self.jobs.store.get(job["id"])


class ZooHandler(MlkitHandler):
    @authenticated
    async def get(self):
        from ..jobs.compile_kind import zoo_catalog

        await self.respond(zoo_catalog)


HANDLERS = [
    (rf"{API}/compile/bench", BenchHandler),
    (rf"{API}/compile/zoo", ZooHandler),
]
