"""``status`` and ``openapi.json``."""

from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path

from tornado.web import authenticated

from .. import __version__
from ..capabilities import capability_status
from .base import API, MlkitHandler

OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    import yaml

    doc = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    doc["info"]["version"] = __version__
    return doc


_CAPS_TTL_S = 30.0
_caps_cache: dict[str, tuple[float, dict]] = {}


def cached_capabilities() -> dict:
    """Capability checks touch the file system (AWS config files); do them every 30 s at most."""
    now = time.monotonic()
    hit = _caps_cache.get("caps")
    if hit is None or now - hit[0] > _CAPS_TTL_S:
        hit = (now, capability_status())
        _caps_cache["caps"] = hit
    return hit[1]


def capabilities_fresh() -> bool:
    hit = _caps_cache.get("caps")
    return hit is not None and time.monotonic() - hit[0] <= _CAPS_TTL_S


class StatusHandler(MlkitHandler):
    @authenticated
    async def get(self):
        # Cheap once the capability checks are cached: answer on the loop, no thread hop.
        await self.respond(self._status, inline=capabilities_fresh())

    def _status(self):
        return {
            "version": __version__,
            "capabilities": cached_capabilities(),
            "jobs": {
                "running": self.jobs.store.count_running(),
                "max_concurrent": self.jobs.max_concurrent,
                "kinds": self.settings["mlkit_kind_names"],
            },
            "database": str(self.jobs.db.path),
            "lifecycle": self.settings.get("mlkit_lifecycle_status"),
        }


class OpenApiHandler(MlkitHandler):
    @authenticated
    async def get(self):
        self.finish(json.dumps(openapi_document()))


HANDLERS = [
    (rf"{API}/status", StatusHandler),
    (rf"{API}/openapi.json", OpenApiHandler),
]
