from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from tests.conftest import server_config


@pytest.fixture
def jp_server_config(tmp_path):
    return server_config(
        db_path=str(tmp_path / "server-db.sqlite"),
        poll_interval_s=0.1,
        schedule_interval_s=0.2,
        max_concurrent_jobs=2,
    )


@pytest.fixture
def api(jp_fetch):
    """Call the API; returns (status, json or None) and never raises on 4xx/5xx."""

    async def call(path, method="GET", body=None, params=None):
        kwargs = {"method": method}
        if body is not None:
            kwargs["body"] = json.dumps(body) if not isinstance(body, (bytes, str)) else body
        elif method in ("POST", "PATCH", "PUT"):
            kwargs["body"] = b""
            kwargs["allow_nonstandard_methods"] = True
        if params:
            kwargs["params"] = params
        try:
            resp = await jp_fetch("mlkit", "api", "v1", *path.strip("/").split("/"), **kwargs)
        except HTTPClientError as exc:
            text = exc.response.body.decode() if exc.response is not None else ""
            return exc.code, (json.loads(text) if text else None)
        text = resp.body.decode()
        return resp.code, (json.loads(text) if text else None)

    return call
