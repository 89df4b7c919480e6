"""The REST API against a real in-process Jupyter server (base URL /a%40b/)."""

from __future__ import annotations

import asyncio
import time

import pytest


async def wait_state(
    api, job_id, states=("completed", "failed", "cancelled", "interrupted"), timeout=60
):
    deadline = time.monotonic() + timeout
    while True:
        code, job = await api(f"jobs/{job_id}")
        assert code == 200
        if job["state"] in states:
            return job
        assert time.monotonic() < deadline, f"job stuck in {job['state']}"
        await asyncio.sleep(0.1)


async def test_status_reports_version_and_capabilities(api):
    from jupyter_mlkit import __version__

    code, body = await api("status")
    assert code == 200
    assert body["version"] == __version__
    assert set(body["capabilities"]) >= {
        "compiler",
        "spot",
        "lifecycle",
        "quality",
        "monitor",
        "aws",
    }
    for cap in body["capabilities"].values():
        assert isinstance(cap["usable"], bool) and cap["reason"]
    assert "profile" in body["jobs"]["kinds"]


async def test_profile_job_runs_end_to_end(api, jp_root_dir):
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "sales.csv").write_text(
        "region,qty,price\nnorth,3,1.5\nsouth,,2.0\nnorth,7,\n"
    )
    code, job = await api(
        "jobs", "POST", {"kind": "profile", "parameters": {"path": "data/sales.csv"}}
    )
    assert code == 201, job
    assert job["state"] in ("queued", "running")
    done = await wait_state(api, job["id"])
    assert done["state"] == "completed", done
    result = done["result"]
    assert result["rows"] == 3
    cols = {c["name"]: c for c in result["columns"]}
    assert cols["qty"]["null_count"] == 1 and cols["qty"]["min"] == "3"
    assert cols["qty"]["max"] == "7"
    assert cols["price"]["null_count"] == 1
    assert cols["region"]["distinct_approx"] == 2
    assert done["progress"] == 1.0
    code, log = await api(f"jobs/{job['id']}/log")
    assert code == 200 and "completed" in log["log"]
    code, listing = await api("jobs", params={"kind": "profile"})
    assert listing["total"] == 1 and listing["jobs"][0]["id"] == job["id"]


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"kind": "nope"}, 400, "unknown_kind"),
        ({"kind": "profil", "parameters": {"path": "x.csv"}}, 400, "unknown_kind"),
        ({"kind": "profile", "parameters": {}}, 400, "bad_parameters"),
        ({"kind": "profile", "parameters": {"path": 5}}, 400, "bad_parameters"),
        ({"kind": "profile", "parameters": {"path": "../../etc/passwd"}}, 403, "path_outside_root"),
        ({"kind": "profile", "parameters": {"path": "/etc/passwd"}}, 403, "path_outside_root"),
        ({"kind": "profile", "parameters": {"path": "missing.csv"}}, 404, "file_not_found"),
        ({"kind": "profile", "parameters": "x"}, 400, "bad_parameters"),
        ({"kind": "sleep", "parameters": {"seconds": -1}}, 400, "bad_parameters"),
    ],
)
async def test_bad_job_requests_are_4xx_and_store_nothing(api, body, status, code):
    got, err = await api("jobs", "POST", body)
    assert got == status, err
    assert err["error"]["code"] == code
    assert err["error"]["message"]
    _, listing = await api("jobs")
    assert listing["total"] == 0


async def test_unknown_kind_suggests_closest(api):
    _, err = await api("jobs", "POST", {"kind": "profil"})
    assert "did you mean 'profile'" in err["error"]["message"]


async def test_invalid_json_body_is_400(api):
    code, err = await api("jobs", "POST", "{not json")
    assert code == 400 and err["error"]["code"] == "bad_parameters"


async def test_symlink_escaping_root_is_refused(api, jp_root_dir, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("a\n1\n")
    (jp_root_dir / "link.csv").symlink_to(outside)
    code, err = await api("jobs", "POST", {"kind": "profile", "parameters": {"path": "link.csv"}})
    assert code == 403 and err["error"]["code"] == "path_outside_root"


async def test_unknown_job_is_404_json(api):
    code, err = await api("jobs/" + "0" * 32)
    assert code == 404 and err["error"]["code"] == "job_not_found"


async def test_list_filters_and_paging(api):
    ids = []
    for _ in range(3):
        _, job = await api("jobs", "POST", {"kind": "sleep", "parameters": {"seconds": 0}})
        ids.append(job["id"])
    for job_id in ids:
        await wait_state(api, job_id)
    code, page = await api("jobs", params={"limit": "2", "offset": "0"})
    assert code == 200 and page["total"] == 3 and len(page["jobs"]) == 2
    _, page2 = await api("jobs", params={"limit": "2", "offset": "2"})
    assert len(page2["jobs"]) == 1
    assert {j["id"] for j in page["jobs"] + page2["jobs"]} == set(ids)
    _, completed = await api("jobs", params={"state": "completed"})
    assert completed["total"] == 3
    _, none = await api("jobs", params={"state": "failed"})
    assert none["total"] == 0
    code, err = await api("jobs", params={"state": "bogus"})
    assert code == 400
    code, err = await api("jobs", params={"limit": "x"})
    assert code == 400 and "limit" in err["error"]["message"]


async def test_failed_job_records_error(api):
    _, job = await api(
        "jobs", "POST", {"kind": "sleep", "parameters": {"seconds": 0, "fail": True}}
    )
    done = await wait_state(api, job["id"])
    assert done["state"] == "failed"
    assert "failed on purpose" in done["error"]["message"]


async def test_cancel_stops_the_process_tree(api):
    import psutil

    _, job = await api(
        "jobs",
        "POST",
        {"kind": "sleep", "parameters": {"seconds": 60, "steps": 600, "spawn_child": True}},
    )
    await wait_state(api, job["id"], states=("running",))
    # wait until the grandchild exists (its pid is in the log)
    deadline = time.monotonic() + 30
    child_pid = None
    while child_pid is None:
        _, log = await api(f"jobs/{job['id']}/log")
        for line in log["log"].splitlines():
            if "child pid" in line:
                child_pid = int(line.rsplit(" ", 1)[1])
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    assert psutil.pid_exists(child_pid)
    code, cancelled = await api(f"jobs/{job['id']}/cancel", "POST")
    assert code == 200 and cancelled["state"] == "cancelled"
    deadline = time.monotonic() + 10
    while psutil.pid_exists(child_pid) and psutil.Process(child_pid).status() != "zombie":
        assert time.monotonic() < deadline, "grandchild survived the cancel"
        await asyncio.sleep(0.1)
    code, again = await api(f"jobs/{job['id']}/cancel", "POST")
    assert code == 409


async def test_delete_and_rerun(api):
    _, job = await api("jobs", "POST", {"kind": "sleep", "parameters": {"seconds": 0}})
    await wait_state(api, job["id"])
    code, new = await api(f"jobs/{job['id']}/rerun", "POST")
    assert code == 201 and new["parent_id"] == job["id"]
    await wait_state(api, new["id"])
    code, _ = await api(f"jobs/{job['id']}", "DELETE")
    assert code == 204
    code, _ = await api(f"jobs/{job['id']}")
    assert code == 404


async def test_delete_running_job_is_conflict(api):
    _, job = await api("jobs", "POST", {"kind": "sleep", "parameters": {"seconds": 30}})
    await wait_state(api, job["id"], states=("running",))
    code, err = await api(f"jobs/{job['id']}", "DELETE")
    assert code == 409 and err["error"]["code"] == "job_active"
    await api(f"jobs/{job['id']}/cancel", "POST")


async def test_concurrency_limit_queues_extra_jobs(api):
    ids = []
    for _ in range(3):
        _, job = await api("jobs", "POST", {"kind": "sleep", "parameters": {"seconds": 30}})
        ids.append(job["id"])
    await wait_state(api, ids[0], states=("running",))
    await wait_state(api, ids[1], states=("running",))
    await asyncio.sleep(0.5)
    _, third = await api(f"jobs/{ids[2]}")
    assert third["state"] == "queued"
    await api(f"jobs/{ids[0]}/cancel", "POST")
    await wait_state(api, ids[2], states=("running",))
    for job_id in ids[1:]:
        await api(f"jobs/{job_id}/cancel", "POST")


async def test_schedules_run_jobs(api):
    code, sched = await api(
        "schedules", "POST", {"kind": "sleep", "cron": "* * * * * *", "parameters": {"seconds": 0}}
    )
    assert code == 201, sched
    deadline = time.monotonic() + 30
    while True:
        _, runs = await api("jobs", params={"schedule_id": sched["id"]})
        if runs["total"] >= 1:
            break
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)
    assert runs["jobs"][0]["origin"] == "schedule"
    code, paused = await api(f"schedules/{sched['id']}", "PATCH", {"enabled": False})
    assert code == 200 and paused["enabled"] is False
    code, _ = await api(f"schedules/{sched['id']}", "DELETE")
    assert code == 204


async def test_bad_schedule_is_400(api):
    code, err = await api("schedules", "POST", {"kind": "sleep", "cron": "every day"})
    assert code == 400 and err["error"]["details"]["field"] == "cron"
    code, err = await api(
        "schedules", "POST", {"kind": "sleep", "cron": "* * * * *", "policy": "sometimes"}
    )
    assert code == 400
    _, listing = await api("schedules")
    assert listing["schedules"] == []
