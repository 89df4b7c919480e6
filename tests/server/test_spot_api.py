"""The spot REST routes against a real in-process Jupyter server, a real job worker, the real
supervisor and the example training script (interrupted for real: SIGTERM notices)."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FINAL = ("completed", "failed", "cancelled", "interrupted")


@pytest.fixture
def script(jp_root_dir, monkeypatch):
    # the training script imports jupyter_mlkit: not installed here, so through PYTHONPATH
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    shutil.copy(ROOT / "examples" / "spot_train.py", jp_root_dir / "train.py")
    return "train.py"


async def follow_events(api, job_id, timeout=120):
    """Poll the events endpoint with next_offset until done; checks the offsets chain."""
    deadline = time.monotonic() + timeout
    offset, events, pages = 0, [], 0
    while True:
        code, page = await api(f"spot/events/{job_id}", params={"offset": str(offset)})
        assert code == 200, page
        assert page["offset"] == offset and page["next_offset"] >= offset
        events += page["events"]
        offset = page["next_offset"]
        pages += 1
        if page["done"]:
            return events, pages
        assert time.monotonic() < deadline, f"job still {page['state']}"
        await asyncio.sleep(0.2)


async def test_spot_run_job_with_two_notices_streams_events_and_completes(api, script):
    body = {
        "command": ["python", script, "--steps", "300"],  # "python": the server's own
        "checkpoint_uri": "ckpt/run1",
        "simulate_interruptions": 2,
        "mode": "notice",
        "seed": 3,
        "wait_time_scale": 0.001,
    }
    code, job = await api("spot/run", "POST", body)
    assert code == 201, job
    assert job["kind"] == "spot-run" and job["origin"] == "api"
    assert job["parameters"]["checkpoint_uri"].endswith("ckpt/run1")
    events, pages = await follow_events(api, job["id"])
    assert pages > 1  # read incrementally while it ran
    _, done = await api(f"jobs/{job['id']}")
    assert done["state"] == "completed", done["error"]
    result = done["result"]
    assert result["status"] == "Completed"
    assert len(result["interruptions"]) == 2
    assert all(i["mode"] == "notice" and i["saved_on_notice"] for i in result["interruptions"])
    assert result["attempts"] == 3 and result["final_step"] == 300
    assert round(result["savings_pct"], 1) == 70.0  # all spot on ml.g5.xlarge: 1 - 0.4224/1.408
    assert "2 interruption(s)" in result["summary"]
    assert any(a.endswith("events.jsonl") for a in done["artifacts"])

    kinds = [e["type"] for e in events]
    assert kinds.count("interruption") == 2
    statuses = [e["Status"] for e in events if e["type"] == "transition"]
    assert statuses[0] == "Starting" and statuses[-1] == "Completed"
    assert statuses.count("Interrupted") == 2
    # notice saves at the step it stopped at: every 10th step is logged exactly once
    loss_steps = [e["step"] for e in events if e["type"] == "metric" and "loss" in e]
    assert sorted(loss_steps) == list(range(10, 301, 10))
    assert "save_file" not in kinds  # one per checkpoint file: left out of the stream
    assert kinds[-1] == "result" and events[-1]["status"] == "Completed"

    # a later offset returns only what follows; the end returns nothing
    code, page = await api(f"spot/events/{job['id']}", params={"offset": str(0), "limit": "3"})
    assert code == 200 and len(page["events"]) == 3
    assert page["events"] == events[:3]
    code, tail = await api(f"spot/events/{job['id']}", params={"offset": str(page["next_offset"])})
    assert tail["events"] == events[3:]
    code, end = await api(f"spot/events/{job['id']}", params={"offset": str(tail["next_offset"])})
    assert end["events"] == [] and end["done"] is True


@pytest.mark.parametrize(
    ("change", "status", "field_or_text"),
    [
        ({"max_run_s": 100, "max_wait_s": 50}, 400, "max_wait_s"),
        ({"mode": "sometimes"}, 400, "mode"),
        ({"checkpoint_uri": "s3://"}, 400, "checkpoint_uri"),
        ({"checkpoint_uri": "gs://b/x"}, 400, "checkpoint_uri"),
        ({"checkpoint_uri": "../outside"}, 403, "outside the server's root"),
        ({"command": ["python", "../elsewhere/train.py"]}, 403, "outside the server's root"),
        ({"command": ["python", "missing.py"]}, 404, "file not found"),
        ({"command": ["python", "-c", "print(1)"]}, 400, "command"),
        ({"command": "python train.py"}, 400, "command"),
        ({"simulate_interruptions": -1}, 400, "simulate_interruptions"),
        ({"nproc": 0}, 400, "nproc"),
    ],
)
async def test_bad_requests_write_no_job(api, script, change, status, field_or_text):
    body = {"command": ["python", script], "checkpoint_uri": "ckpt/x", **change}
    code, err = await api("spot/run", "POST", body)
    assert code == status, err
    error = err["error"]
    assert field_or_text in ((error.get("details") or {}).get("field", "") + error["message"])
    _, listing = await api("jobs", params={"kind": "spot-run"})
    assert listing["total"] == 0


async def test_events_of_other_jobs_and_unknown_ids(api, jp_root_dir):
    code, job = await api("jobs", "POST", {"kind": "sleep", "parameters": {"seconds": 0}})
    assert code == 201, job
    code, err = await api(f"spot/events/{job['id']}")
    assert code == 400 and "events belong to spot-run jobs" in err["error"]["message"]
    code, err = await api(f"spot/events/{'0' * 32}")
    assert code == 404
    code, err = await api(f"spot/events/{job['id']}", params={"offset": "x"})
    assert code == 400 and err["error"]["details"]["field"] == "offset"


async def test_prices(api):
    code, table = await api("spot/prices")
    assert code == 200
    assert table["instances"]["ml.g5.xlarge"] == {"on_demand": 1.408, "spot": 0.4224, "gpus": 1}
    assert table["as_of"] and table["source"]
    code, one = await api("spot/prices", params={"instance_type": "ml.m5.large"})
    assert list(one["instances"]) == ["ml.m5.large"]
    code, err = await api("spot/prices", params={"instance_type": "ml.nope"})
    assert code == 404 and "ml.nope" in err["error"]["message"]


async def test_spot_is_wired(api):
    _, status = await api("status")
    assert status["capabilities"]["spot"]["wired"] is True
    assert "spot-run" in status["jobs"]["kinds"]


@pytest.mark.aws
async def test_placement_advice_from_moto_price_history(api, aws):
    """moto's describe_spot_price_history cannot be seeded: it answers one record per (type,
    zone) it offers, all at $0.00001 and stamped 2006-01-02T15:04:05Z. So the cheapest choice
    is the first type by name in the first zone, the cheapest hour is 15 UTC, and p3.2xlarge
    (not among moto's us-east-1 offerings) comes back as missing."""
    params = {"instance_types": "ml.g5.xlarge,ml.p3.2xlarge", "region": "us-east-1", "days": "7"}
    code, advice = await api("spot/placement", params=params)
    assert code == 200, advice
    assert advice["cheapest"]["instance_type"] == "ml.g5.xlarge"
    assert advice["cheapest"]["az"] == "us-east-1a"
    assert advice["cheapest"]["mean_price"] == pytest.approx(0.00001)
    assert advice["cheapest_hours_utc"] == [15]
    assert advice["records"] == len(advice["by_choice"]) > 1
    assert {c["az"] for c in advice["by_choice"]} >= {"us-east-1a", "us-east-1b"}
    assert advice["region"] == "us-east-1" and advice["days"] == 7
    assert advice["missing_types"] == ["ml.p3.2xlarge"]


@pytest.mark.aws
@pytest.mark.parametrize(
    "params, status, code_, text",
    [
        ({"instance_types": "ml.nope.xlarge"}, 404, "no_price_history", "ml.nope.xlarge"),
        ({"instance_types": "g5 xlarge"}, 400, "bad_parameters", "not an instance type name"),
        ({}, 400, "bad_parameters", "at least one allowed instance type"),
        ({"instance_types": "ml.g5.xlarge", "days": "x"}, 400, "bad_parameters", "'days'"),
        ({"instance_types": "ml.g5.xlarge", "days": "365"}, 400, "bad_parameters", "<= 90"),
    ],
)
async def test_placement_errors_are_json_messages(api, aws, params, status, code_, text):
    code, err = await api("spot/placement", params=params)
    assert code == status, err
    assert err["error"]["code"] == code_ and text in err["error"]["message"]
