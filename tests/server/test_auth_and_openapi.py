"""Every route refuses unauthenticated requests, and the OpenAPI document matches the routes."""

from __future__ import annotations

import json
import re

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mlkit.server.app import MlkitApp
from jupyter_mlkit.server.status_handlers import openapi_document

SAMPLE_ID = "0123456789abcdef0123456789abcdef"


def routes():
    """(openapi path, handler class) for every registered route."""
    out = []
    for pattern, handler, *_ in MlkitApp.handlers:
        rel = pattern.split("mlkit/api/v1", 1)[1]
        rel = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", rel)
        out.append((rel, handler))
    return out


def verbs(handler):
    return {
        m
        for m in ("get", "post", "put", "patch", "delete")
        if getattr(handler, m) is not getattr(handler.__mro__[-2], m, None)
        and m in handler.__dict__
    }


def test_openapi_lists_exactly_the_routes_and_verbs():
    doc = openapi_document()
    documented = {
        path: {m for m in ops if m in ("get", "post", "put", "patch", "delete")}
        for path, ops in doc["paths"].items()
    }
    served = {path: verbs(handler) for path, handler in routes()}
    assert documented == served


@pytest.mark.parametrize("path, handler", routes())
async def test_every_route_refuses_unauthenticated_requests(
    http_server_client, jp_serverapp, jp_base_url, path, handler
):
    url_path = path.replace("{job_id}", SAMPLE_ID).replace("{schedule_id}", SAMPLE_ID)
    url = f"{jp_base_url}mlkit/api/v1{url_path}"
    for verb in verbs(handler):
        body = b"{}" if verb in ("post", "put", "patch") else None
        with pytest.raises(HTTPClientError) as info:
            await http_server_client.fetch(
                url,
                method=verb.upper(),
                body=body,
                allow_nonstandard_methods=True,
                request_timeout=10,
            )
        assert info.value.code == 403, (verb, url)


async def test_openapi_document_is_served(jp_fetch):
    resp = await jp_fetch("mlkit", "api", "v1", "openapi.json")
    doc = json.loads(resp.body)
    assert doc["openapi"].startswith("3.")
    assert "/jobs" in doc["paths"]


def test_no_handler_verb_lacks_authentication(jp_serverapp):
    """Jupyter Server's own check (the one behind JupyterServerAuthWarning) finds nothing."""
    missing = []
    for path, handler in routes():
        missing += jp_serverapp.web_app._check_handler_auth(path, handler)
    assert missing == []
