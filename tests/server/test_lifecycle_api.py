"""The lifecycle REST routes against a real in-process Jupyter server (real SQLite, real bash)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from tests.conftest import server_config


@pytest.fixture
def jp_server_config(tmp_path):
    return server_config(
        db_path=str(tmp_path / "server-db.sqlite"),
        poll_interval_s=0.1,
        server_name="test-server",
        lifecycle_timeout_s=20,
        idle_timeout_s=600,
        idle_action="stop-server",
        idle_poll_s=0.1,
    )


async def until(fn, timeout=30):
    """Await ``fn()`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await fn()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def wait_run(api, run_id):
    async def done():
        code, run = await api(f"lifecycle/runs/{run_id}")
        assert code == 200
        return run if run["status"] != "running" else None

    return await until(done)


async def test_configs_crud_versions_and_bad_input(api):
    # Windows line ends and a syntax error: both reported with hook and line, nothing saved.
    code, err = await api(
        "lifecycle/configs",
        "POST",
        {"name": "setup", "on_start": "echo ok\r\nif then\r\n"},
    )
    assert code == 400 and err["error"]["code"] == "invalid_config"
    problems = err["error"]["details"]["problems"]
    assert {p["hook"] for p in problems} == {"on_start"}
    assert any("CRLF" in p["message"] or "Windows" in p["message"] for p in problems)
    assert (await api("lifecycle/configs"))[1]["configs"] == []

    code, err = await api("lifecycle/configs", "POST", {"name": "bad_name!", "on_start": "true"})
    assert code == 400 and "name" in err["error"]["message"]

    code, cfg = await api(
        "lifecycle/configs", "POST", {"name": "setup", "on_start": "echo one\n", "on_create": ""}
    )
    assert code == 201, cfg
    assert (cfg["version"], cfg["on_start"], cfg["on_create"], cfg["attached"]) == (
        1,
        "echo one\n",
        None,
        False,
    )
    code, err = await api("lifecycle/configs", "POST", {"name": "setup", "on_start": "true"})
    assert code == 400 and "already exists" in err["error"]["message"]

    code, cfg = await api("lifecycle/configs/setup", "PUT", {"on_start": "echo two\n"})
    assert code == 200 and cfg["version"] == 2 and cfg["latest_version"] == 2
    code, old = await api("lifecycle/configs/setup", params={"version": "1"})
    assert code == 200 and old["on_start"] == "echo one\n" and old["latest_version"] == 2
    code, versions = await api("lifecycle/configs/setup/versions")
    assert [v["version"] for v in versions["versions"]] == [1, 2]

    # Attached configurations are not deleted by accident.
    code, att = await api("lifecycle/attachment", "PUT", {"name": "setup"})
    assert code == 200 and att["attached"]["config_name"] == "setup"
    assert att["server"] == "test-server"
    code, listing = await api("lifecycle/configs")
    assert listing["attached"] == "setup" and listing["configs"][0]["attached"] is True
    code, err = await api("lifecycle/configs/setup", "DELETE")
    assert code == 400 and "detach it first" in err["error"]["message"]
    code, out = await api("lifecycle/attachment", "DELETE")
    assert code == 200 and out["detached"] is True
    assert (await api("lifecycle/attachment"))[1]["attached"] is None
    assert (await api("lifecycle/configs/setup", "DELETE"))[0] == 204
    code, err = await api("lifecycle/configs/setup")
    assert code == 404 and err["error"]["code"] == "not_found"
    code, err = await api("lifecycle/attachment", "PUT", {"name": "setup"})
    assert code == 404


async def test_validate_reports_problems_with_hook_and_line_without_saving(api):
    code, out = await api(
        "lifecycle/validate", "POST", {"on_create": "echo fine\n", "on_start": "echo a\nif\n"}
    )
    assert code == 200 and out["valid"] is False
    (problem,) = out["problems"]
    assert problem["hook"] == "on_start" and problem["line"] is not None
    code, out = await api("lifecycle/validate", "POST", {"name": "x y", "on_start": "true\n"})
    assert out["valid"] is False and out["problems"][0]["hook"] is None
    code, out = await api("lifecycle/validate", "POST", {"name": "ok", "on_start": "true\n"})
    assert out == {"valid": True, "problems": []}
    assert (await api("lifecycle/configs"))[1]["configs"] == []


async def test_templates_list_and_render(api):
    code, out = await api("lifecycle/templates")
    names = {t["name"] for t in out["templates"]}
    assert {"auto-stop-idle", "install-pip-packages", "clone-git-repo"} <= names
    code, out = await api(
        "lifecycle/templates/auto-stop-idle/render",
        "POST",
        {"params": {"IDLE_SECONDS": "120", "ACTION": "shutdown-kernels"}},
    )
    assert code == 200, out
    assert out["hook"] == "on-start"
    assert "IDLE_SECONDS=120" in out["script"] and "ACTION=shutdown-kernels" in out["script"]
    code, err = await api(
        "lifecycle/templates/auto-stop-idle/render", "POST", {"params": {"IDLE_SECONDS": "soon"}}
    )
    assert code == 400
    assert any("IDLE_SECONDS" in p["message"] for p in err["error"]["details"]["problems"])
    code, err = await api("lifecycle/templates/no-such/render", "POST", {})
    assert code == 404 and "auto-stop-idle" in err["error"]["message"]


async def test_run_now_history_paged_log_and_failure_in_status(api):
    script = 'echo "hello from $MLKIT_LIFECYCLE_HOOK"\necho oops >&2\necho "$MLKIT_SERVER_NAME"\n'
    assert (await api("lifecycle/configs", "POST", {"name": "hello", "on_start": script}))[0] == 201
    code, run = await api("lifecycle/configs/hello/run", "POST", {"hook": "on-start"})
    assert code == 202, run
    assert run["status"] in ("running", "succeeded") and run["id"] is not None
    assert run["log_stream"] == "test-server/LifecycleConfigOnStart"
    done = await wait_run(api, run["id"])
    assert done["status"] == "succeeded" and done["exit_code"] == 0

    expected = "hello from on-start\noops\ntest-server\n"
    text, offset = "", 0
    while True:  # page through in 7-byte chunks
        code, chunk = await api(
            f"lifecycle/runs/{run['id']}/log", params={"offset": str(offset), "max_bytes": "7"}
        )
        assert code == 200
        text += chunk["text"]
        offset = chunk["next_offset"]
        if chunk["eof"]:
            break
    assert text == expected

    code, err = await api("lifecycle/configs/hello/run", "POST", {"hook": "on-create"})
    assert code == 400 and "no script" in err["error"]["message"]
    code, err = await api("lifecycle/configs/hello/run", "POST", {"hook": "at-noon"})
    assert code == 400 and "unknown hook" in err["error"]["message"]
    assert (await api("lifecycle/runs/abc"))[0] == 400
    assert (await api("lifecycle/runs/99999"))[0] == 404

    # A failing script, attached: reported in GET status while the server keeps serving.
    await api("lifecycle/configs", "POST", {"name": "broken", "on_start": "echo no\nexit 3\n"})
    await api("lifecycle/attachment", "PUT", {"name": "broken"})
    code, run = await api("lifecycle/configs/broken/run", "POST", {})
    done = await wait_run(api, run["id"])
    assert (done["status"], done["exit_code"]) == ("failed", 3)

    async def failed_in_status():
        body = (await api("status"))[1]["lifecycle"]
        return body if body["failed_hooks"] == ["on_start"] else None

    lc = await until(failed_in_status)
    assert lc["attached"]["config_name"] == "broken"
    assert lc["last_runs"]["on_start"]["exit_code"] == 3
    code, runs = await api("lifecycle/runs", params={"name": "hello"})
    assert [r["id"] for r in runs["runs"]] == [done["id"] - 1]


async def test_idle_status_postpone_and_policy_file(api, jp_data_dir):
    async def started():
        lc = (await api("lifecycle/status"))[1]
        return lc if lc["startup"]["state"] == "done" and lc["idle"]["status"] else None

    lc = await until(started)
    idle = lc["idle"]
    assert idle["enabled"] and idle["source"] == "config"
    assert idle["policy"]["idle_seconds"] == 600 and idle["policy"]["action"] == "stop-server"
    left = idle["status"]["seconds_left"]
    assert 0 < left <= 600

    code, out = await api("lifecycle/idle/postpone", "POST", {"seconds": 1000})
    assert code == 200
    assert out["status"]["postponed_until"] is not None
    assert 1000 < out["status"]["seconds_left"] <= 1600
    code, err = await api("lifecycle/idle/postpone", "POST", {"seconds": -5})
    assert code == 400 and err["error"]["details"] == {"field": "seconds"}

    # The auto-stop template's policy file takes over from the server's settings.
    policy = jp_data_dir / "mlkit" / "idle-policy.json"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text(json.dumps({"idle_seconds": 1234, "action": "shutdown-kernels"}))

    async def from_file():
        out = (await api("lifecycle/idle"))[1]
        return out if out["source"] == "file" else None

    out = await until(from_file)
    assert out["policy"]["idle_seconds"] == 1234 and out["policy"]["action"] == "shutdown-kernels"
    # No kernels: nothing to shut down, so no countdown.
    assert out["status"]["seconds_left"] is None
    assert out["status"]["reason"] == "no kernels to shut down"
