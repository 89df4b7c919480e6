"""Fixtures shared by every test module."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


def server_config(**mlkit: object) -> dict:
    """A jp_server_config with the extension on, authentication required, and these MlkitApp
    settings (each server test module picks its own)."""
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_mlkit": True},
            "allow_unauthenticated_access": False,
        },
        "MlkitApp": mlkit,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _isolated_db(tmp_path, monkeypatch):
    """Every test gets its own SQLite database file."""
    monkeypatch.setenv("MLKIT_DB", str(tmp_path / "mlkit-test.sqlite"))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real moto server on 127.0.0.1 (free port), speaking the AWS protocols."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server, monkeypatch) -> str:
    """Point every jupyter_mlkit.aws client (and plain boto3) at the moto server."""
    import requests

    requests.post(f"{moto_server}/moto-api/reset", timeout=10)
    monkeypatch.setenv("MLKIT_AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("MLKIT_AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_server


@pytest.fixture
def shared_dir():
    """The read-only shared/ folder beside the repository (specs and AWS fixtures)."""
    from pathlib import Path

    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "shared", Path(os.environ.get("MLKIT_SHARED", "/nonexistent"))):
        if (candidate / "fixtures").is_dir():
            return candidate
    pytest.skip("shared/ fixtures not found beside the repository")


@pytest.fixture(autouse=True, scope="session")
def _session_compile_cache(tmp_path_factory):
    """One compile cache for the test session: Inductor stays warm across tests, while the
    compile costs the search remembers never come from the user's cache or an earlier run."""
    root = tmp_path_factory.mktemp("compile-cache")
    old = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(root / "inductor")
    yield root
    if old is None:
        os.environ.pop("TORCHINDUCTOR_CACHE_DIR", None)
    else:
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = old
