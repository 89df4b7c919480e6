"""SageMaker notebook instances and their schedules through the REST API: a real in-process Jupyter
server, real SQLite, and the real moto server standing in for SageMaker (moto changes an instance's
state at once: a stop answers Stopped, a start InService)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import server_config

ROLE = "arn:aws:iam::123456789012:role/notebook"
NI = "lifecycle/notebook-instances"

pytestmark = pytest.mark.aws


@pytest.fixture
def jp_server_config(tmp_path):
    return server_config(
        db_path=str(tmp_path / "server-db.sqlite"),
        server_name="test-server",
        # Periodic applying is tested on its own below; here only explicit calls apply.
        instance_schedule_interval_s=0,
    )


async def create(api, name, **extra):
    body = {"name": name, "instance_type": "ml.t3.medium", "role_arn": ROLE, **extra}
    return await api(NI, "POST", body)


async def state(api, name):
    code, row = await api(f"{NI}/{name}")
    assert code == 200, row
    return row["status"]


async def test_create_list_stop_start_delete(aws, api):
    # The lifecycle configuration chosen is the one saved here: it is published first.
    code, _ = await api(
        "lifecycle/configs", "POST", {"name": "team-setup", "on_start": "echo started\n"}
    )
    assert code == 201
    code, out = await create(api, "nb-one", volume_size_gb=20, lifecycle_config="team-setup")
    assert code == 201, out
    assert out["published"]["action"] == "created"
    assert out["instance"]["status"] == "InService"
    assert out["instance"]["volume_size_gb"] == 20
    assert out["instance"]["lifecycle_config"] == "team-setup"

    code, listing = await api(NI)
    assert code == 200
    assert [(i["name"], i["status"], i["instance_type"]) for i in listing["instances"]] == [
        ("nb-one", "InService", "ml.t3.medium")
    ]
    assert listing["default_role"] is False

    code, row = await api(f"{NI}/nb-one/stop", "POST")
    assert code == 202 and row["status"] == "Stopped"
    assert await state(api, "nb-one") == "Stopped"
    code, row = await api(f"{NI}/nb-one/start", "POST")
    assert code == 202 and row["status"] == "InService"

    # SageMaker refuses to delete a running instance: a clear remote error, not a traceback.
    code, err = await api(f"{NI}/nb-one", "DELETE")
    assert code == 502 and err["error"]["code"] == "remote_error"
    assert "Stopped" in err["error"]["message"]

    await api(f"{NI}/nb-one/stop", "POST")
    code, _ = await api(f"{NI}/nb-one", "DELETE")
    assert code == 204
    code, err = await api(f"{NI}/nb-one")
    assert code == 404 and "nb-one" in err["error"]["message"]
    code, err = await api(f"{NI}/ghost/start", "POST")
    assert code == 404


async def test_default_role_from_the_environment(aws, api, monkeypatch):
    monkeypatch.setenv("MLKIT_SAGEMAKER_ROLE_ARN", ROLE)
    code, out = await api(NI, "POST", {"name": "nb-env", "instance_type": "ml.t3.medium"})
    assert code == 201, out
    assert (await api(NI))[1]["default_role"] is True


async def test_schedule_stored_and_due_action_applied_at_a_given_time(aws, api):
    for name in ("nb-day", "nb-free"):
        assert (await create(api, name))[0] == 201
    code, row = await api(f"{NI}/nb-day/schedule", "PUT", {"schedule": "weekdays 09:00-19:00"})
    assert code == 200, row
    assert row["schedule"]["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert (row["schedule"]["start"], row["schedule"]["stop"]) == ("09:00", "19:00")
    code, got = await api(f"{NI}/nb-day/schedule")
    assert code == 200 and got["schedule"]["text"] == "weekdays 09:00-19:00"
    listing = {i["name"]: i for i in (await api(NI))[1]["instances"]}
    assert listing["nb-day"]["schedule"]["text"] == "weekdays 09:00-19:00"
    assert listing["nb-free"]["schedule"] is None

    saturday_noon = "2026-11-28T12:00:00Z"
    code, out = await api(
        "lifecycle/instance-schedules/apply", "POST", {"at": saturday_noon, "dry_run": True}
    )
    assert code == 200
    assert out["results"] == [
        {"instance": "nb-day", "state": "InService", "action": "stop", "done": False, "error": None}
    ]
    assert await state(api, "nb-day") == "InService"  # a dry run changes nothing

    code, out = await api("lifecycle/instance-schedules/apply", "POST", {"at": saturday_noon})
    assert code == 200 and out["results"][0]["done"] is True
    assert await state(api, "nb-day") == "Stopped"
    assert await state(api, "nb-free") == "InService"  # no schedule, left alone

    monday_ten = "2026-11-30T10:00:00+00:00"
    code, out = await api("lifecycle/instance-schedules/apply", "POST", {"at": monday_ten})
    assert out["results"][0]["action"] == "start" and out["results"][0]["done"]
    assert await state(api, "nb-day") == "InService"
    code, schedules = await api("lifecycle/instance-schedules")
    assert [s["instance"] for s in schedules["schedules"]] == ["nb-day"]
    assert schedules["last_applied"]["at"].startswith("2026-11-30T10:00")

    assert (await api(f"{NI}/nb-day/schedule", "DELETE"))[0] == 204
    assert (await api(f"{NI}/nb-day/schedule", "DELETE"))[0] == 404
    assert (await api(f"{NI}/nb-day/schedule"))[0] == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"instance_type": "t3.medium"}, "instance_type"),
        ({"volume_size_gb": 4}, "volume_size_gb"),
        ({"volume_size_gb": 16385}, "volume_size_gb"),
        ({"volume_size_gb": "big"}, "volume_size_gb"),
        ({"lifecycle_config": "bad_name!"}, "lifecycle_config"),
        ({"lifecycle_config": "not-saved-anywhere"}, "lifecycle_config"),
        ({"role_arn": None}, "role_arn"),
        ({"role_arn": "arn:aws:iam::12:role/x"}, "role_arn"),
        ({"name": "two words"}, "name"),
        ({"name": None}, "name"),
    ],
)
async def test_bad_create_input_is_a_400_naming_the_field(aws, api, body, field):
    code, err = await create(api, **{"name": "nb-bad", **body})
    assert code == 400, err
    assert err["error"]["details"] == {"field": field}
    assert err["error"]["message"].startswith(f"{field}: ")
    assert (await api(NI))[1]["instances"] == []  # nothing was created


async def test_bad_schedule_and_apply_input(aws, api):
    assert (await create(api, "nb-one"))[0] == 201
    for text in ("weekdays nine-five", "", "weekdays 9-19 Mars/Olympus"):
        code, err = await api(f"{NI}/nb-one/schedule", "PUT", {"schedule": text})
        assert code == 400 and err["error"]["details"] == {"field": "schedule"}, (text, err)
    code, err = await api(f"{NI}/ghost/schedule", "PUT", {"schedule": "daily 9-17"})
    assert code == 404  # a schedule for an instance that does not exist is not stored
    assert (await api("lifecycle/instance-schedules"))[1]["schedules"] == []
    code, err = await api("lifecycle/instance-schedules/apply", "POST", {"at": "tomorrow"})
    assert code == 400 and err["error"]["details"] == {"field": "at"}


async def test_missing_credentials_and_unreachable_endpoint_are_clear_errors(
    api, monkeypatch, tmp_path
):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("MLKIT_AWS_MAX_ATTEMPTS", "1")
    import boto3

    # boto3's default session caches credentials found by an earlier test: start from none.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    code, err = await api(NI)
    assert code == 503 and err["error"]["code"] == "aws_unavailable"
    assert "no AWS credentials" in err["error"]["message"]

    from tests.conftest import free_port

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("MLKIT_AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    code, err = await api(NI)
    assert code == 502 and err["error"]["code"] == "remote_error"
    assert "EndpointConnectionError" in err["error"]["message"]


class TestPeriodicApply:
    @pytest.fixture
    def jp_server_config(self, tmp_path):
        return {
            "ServerApp": {
                "jpserver_extensions": {"jupyter_mlkit": True},
                "allow_unauthenticated_access": False,
            },
            "MlkitApp": {
                "db_path": str(tmp_path / "server-db.sqlite"),
                "instance_schedule_interval_s": 0.2,
            },
        }

    async def test_the_server_starts_a_stopped_instance_inside_its_window(self, aws, api):
        assert (await create(api, "nb-loop"))[0] == 201
        await api(f"{NI}/nb-loop/stop", "POST")
        # A daily window from an hour ago to two hours ahead (past midnight is allowed).
        now = datetime.now(timezone.utc)
        start, stop = (now - timedelta(hours=1)).hour, (now + timedelta(hours=2)).hour
        code, _ = await api(f"{NI}/nb-loop/schedule", "PUT", {"schedule": f"daily {start}-{stop}"})
        assert code == 200
        deadline = time.monotonic() + 60  # generous: two busy cores
        while await state(api, "nb-loop") != "InService":
            assert time.monotonic() < deadline, "the schedule loop never started the instance"
            await asyncio.sleep(0.2)
        code, schedules = await api("lifecycle/instance-schedules")
        assert schedules["interval_s"] == 0.2
        assert schedules["last_applied"]["error"] is None
