"""Jobs started from the REST API (the panel), the CLI and a notebook magic share one list."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import server_config


@pytest.fixture
def jp_server_config():
    # No db_path: the server uses $MLKIT_DB like the CLI and the kernel do.
    return server_config(poll_interval_s=0.1)


async def test_panel_cli_and_magic_jobs_in_one_list(api, jp_root_dir, monkeypatch):
    (jp_root_dir / "sales.csv").write_text("region,qty\nnorth,3\nsouth,\n")
    code, from_api = await api(
        "jobs", "POST", {"kind": "profile", "parameters": {"path": "sales.csv"}}
    )
    assert code == 201
    cli = subprocess.run(
        [sys.executable, "-m", "jupyter_mlkit.cli", "profile", "sales.csv"],
        cwd=jp_root_dir,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert cli.returncode == 0, cli.stderr

    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_line_magic("load_ext", "jupyter_mlkit")
    monkeypatch.chdir(jp_root_dir)
    from_magic = ip.run_line_magic("mlkit", "profile sales.csv")
    assert from_magic["state"] == "completed"

    deadline = time.monotonic() + 60
    while True:
        _, listing = await api("jobs")
        states = {j["origin"]: j["state"] for j in listing["jobs"]}
        if set(states) == {"api", "cli", "notebook"} and set(states.values()) == {"completed"}:
            break
        assert time.monotonic() < deadline, states
        await asyncio.sleep(0.2)
    assert listing["total"] == 3
    assert all(j["result"]["rows"] == 2 for j in listing["jobs"])
