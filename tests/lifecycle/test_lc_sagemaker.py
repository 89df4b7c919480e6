"""SageMaker calls: against the moto server where moto implements them, else botocore's Stubber.

moto 5.2 implements create/describe/delete_notebook_instance_lifecycle_config and the notebook
instance calls, but not update/list of notebook-instance lifecycle configs nor any Studio
lifecycle-config call (HTTP 500, spec Part D): those tests use botocore.stub.Stubber and say so.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from jupyter_mlkit.lifecycle import LifecycleConfig, LifecycleConfigError
from jupyter_mlkit.lifecycle import sagemaker as sm
from jupyter_mlkit.lifecycle.idle import IdlePolicy, resolve_action

ROLE = "arn:aws:iam::123456789012:role/notebook"
CFG = LifecycleConfig(
    "team-setup",
    on_create="#!/bin/bash\necho créé\n",
    on_start="#!/bin/bash\nset -e\necho started\n",
)


def stubbed():
    """A real botocore SageMaker client with a Stubber (no network, no moto)."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


@pytest.mark.aws
def test_publish_then_describe_reads_back_identical(aws):
    out = sm.publish_config(CFG, tags={"team": "ml"})
    assert out == {
        "action": "created",
        "arn": "arn:aws:sagemaker:us-east-1:123456789012:"
        "notebook-instance-lifecycle-config/team-setup",
    }
    raw = sm.describe_config("team-setup")
    assert base64.b64decode(raw["OnStart"][0]["Content"]).decode() == CFG.on_start
    assert sm.import_config("team-setup") == CFG


@pytest.mark.aws
def test_delete_then_describe_is_a_clear_error(aws):
    sm.publish_config(CFG)
    sm.delete_config("team-setup")
    with pytest.raises(sm.SageMakerError) as info:
        sm.describe_config("team-setup")
    assert info.value.code == "ValidationException"
    assert "does not exist" in str(info.value)


@pytest.mark.aws
def test_notebook_instances_create_list_stop_start(aws):
    sm.publish_config(CFG)
    arn = sm.create_notebook_instance(
        "nb-one",
        instance_type="ml.t3.medium",
        role_arn=ROLE,
        volume_size_gb=20,
        lifecycle_config="team-setup",
    )
    assert arn.endswith(":notebook-instance/nb-one")
    d = sm.describe_notebook_instance("nb-one")
    assert (d["NotebookInstanceStatus"], d["VolumeSizeInGB"], d["InstanceType"]) == (
        "InService",
        20,
        "ml.t3.medium",
    )
    assert d["NotebookInstanceLifecycleConfigName"] == "team-setup"
    assert [i["NotebookInstanceName"] for i in sm.list_notebook_instances()] == ["nb-one"]
    sm.stop_notebook_instance("nb-one")
    assert sm.describe_notebook_instance("nb-one")["NotebookInstanceStatus"] == "Stopped"
    sm.start_notebook_instance("nb-one")
    assert sm.list_notebook_instances()[0]["NotebookInstanceStatus"] == "InService"


@pytest.mark.aws
def test_idle_action_stops_the_instance_named_in_the_metadata(aws, tmp_path):
    import json

    sm.create_notebook_instance("nb-idle", instance_type="ml.t3.medium", role_arn=ROLE)
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(json.dumps({"ResourceName": "nb-idle"}))
    action, _ = resolve_action(IdlePolicy(60, action="stop-notebook-instance"), meta)
    assert action == "stop-notebook-instance"
    from jupyter_mlkit.lifecycle.idle import notebook_instance_name

    sm.stop_notebook_instance(notebook_instance_name(meta))
    assert sm.describe_notebook_instance("nb-idle")["NotebookInstanceStatus"] == "Stopped"


def test_bad_input_fails_before_any_call():
    client, stub = stubbed()
    with stub:  # no responses queued: any call would raise UnStubbedResponseError
        with pytest.raises(LifecycleConfigError):
            sm.publish_config(LifecycleConfig("bad_name", on_start="true\n"), client=client)
        with pytest.raises(LifecycleConfigError) as info:
            sm.create_notebook_instance(
                "nb",
                instance_type="t3.medium",
                role_arn=ROLE,
                volume_size_gb=2,
                lifecycle_config="x y",
                client=client,
            )
        assert len(info.value.problems) == 3
        with pytest.raises(LifecycleConfigError, match="app type must be one of"):
            sm.publish_studio_config("s", "true\n", "RStudio", client=client)
    stub.assert_no_pending_responses()


def test_publish_existing_name_updates(tmp_path):
    # Stubber: moto has no UpdateNotebookInstanceLifecycleConfig.
    client, stub = stubbed()
    arn = "arn:aws:sagemaker:us-east-1:1:notebook-instance-lifecycle-config/team-setup"
    stub.add_response(
        "describe_notebook_instance_lifecycle_config",
        {
            "NotebookInstanceLifecycleConfigArn": arn,
            "NotebookInstanceLifecycleConfigName": "team-setup",
        },
        {"NotebookInstanceLifecycleConfigName": "team-setup"},
    )
    only_start = LifecycleConfig("team-setup", on_start="echo new\n")
    stub.add_response(
        "update_notebook_instance_lifecycle_config",
        {},
        {
            "NotebookInstanceLifecycleConfigName": "team-setup",
            "OnCreate": [],  # cleared: the update replaces both hooks
            "OnStart": [{"Content": base64.b64encode(b"echo new\n").decode()}],
        },
    )
    with stub:
        assert sm.publish_config(only_start, client=client) == {"action": "updated", "arn": arn}
    stub.assert_no_pending_responses()


def test_list_configs_follows_pages():
    # Stubber: moto has no ListNotebookInstanceLifecycleConfigs.
    client, stub = stubbed()
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    item = {
        "NotebookInstanceLifecycleConfigName": "a",
        "NotebookInstanceLifecycleConfigArn": "arn:a",
        "CreationTime": when,
    }
    stub.add_response(
        "list_notebook_instance_lifecycle_configs",
        {"NotebookInstanceLifecycleConfigs": [item], "NextToken": "t1"},
        {},
    )
    stub.add_response(
        "list_notebook_instance_lifecycle_configs",
        {
            "NotebookInstanceLifecycleConfigs": [
                {**item, "NotebookInstanceLifecycleConfigName": "b"}
            ]
        },
        {"NextToken": "t1"},
    )
    with stub:
        names = [c["NotebookInstanceLifecycleConfigName"] for c in sm.list_configs(client=client)]
    assert names == ["a", "b"]


@pytest.mark.parametrize("app_type", sm.STUDIO_APP_TYPES)
def test_studio_config_create_describe_delete(app_type):
    # Stubber: moto implements no Studio lifecycle-config call (spec D.1).
    client, stub = stubbed()
    script = "#!/bin/bash\npip install --quiet rich\n"
    content = base64.b64encode(script.encode()).decode()
    arn = f"arn:aws:sagemaker:us-east-1:1:studio-lifecycle-config/s-{app_type.lower()}"
    stub.add_response(
        "create_studio_lifecycle_config",
        {"StudioLifecycleConfigArn": arn},
        {
            "StudioLifecycleConfigName": f"s-{app_type.lower()}",
            "StudioLifecycleConfigContent": content,
            "StudioLifecycleConfigAppType": app_type,
            "Tags": [{"Key": "team", "Value": "ml"}],
        },
    )
    stub.add_response(
        "describe_studio_lifecycle_config",
        {
            "StudioLifecycleConfigArn": arn,
            "StudioLifecycleConfigName": f"s-{app_type.lower()}",
            "StudioLifecycleConfigContent": content,
            "StudioLifecycleConfigAppType": app_type,
        },
        {"StudioLifecycleConfigName": f"s-{app_type.lower()}"},
    )
    stub.add_response(
        "delete_studio_lifecycle_config", {}, {"StudioLifecycleConfigName": f"s-{app_type.lower()}"}
    )
    with stub:
        got = sm.publish_studio_config(
            f"s-{app_type.lower()}", script, app_type, tags={"team": "ml"}, client=client
        )
        assert got == arn
        assert sm.describe_studio_config(f"s-{app_type.lower()}", client=client)["Script"] == script
        sm.delete_studio_config(f"s-{app_type.lower()}", client=client)
    stub.assert_no_pending_responses()


def test_studio_script_is_validated_like_a_notebook_script():
    with pytest.raises(LifecycleConfigError) as info:
        sm.studio_request("ok", "echo a\r\n", "JupyterLab")
    assert str(info.value.problems[0]).startswith("script line 1: Windows line ends")


def test_aws_errors_become_sagemaker_errors():
    client, stub = stubbed()
    stub.add_client_error(
        "stop_notebook_instance",
        service_error_code="ValidationException",
        service_message="RecordNotFound",
    )
    with (
        stub,
        pytest.raises(sm.SageMakerError, match="StopNotebookInstance|stop_notebook_instance"),
    ):
        sm.stop_notebook_instance("ghost", client=client)


@pytest.mark.aws
def test_schedules_saved_in_the_store_start_and_stop_instances(aws, tmp_path):
    from jupyter_mlkit.lifecycle import LifecycleStore
    from jupyter_mlkit.lifecycle.schedule import ScheduleError

    store = LifecycleStore(tmp_path / "lc.sqlite")
    for name in ("nb-day", "nb-night"):
        sm.create_notebook_instance(name, instance_type="ml.t3.medium", role_arn=ROLE)
    sm.stop_notebook_instance("nb-night")
    store.set_schedule("nb-day", "weekdays 9-19")
    store.set_schedule("nb-night", "daily 0-6")
    store.set_schedule("nb-gone", "daily 0-6")
    with pytest.raises(ScheduleError):
        store.set_schedule("nb-day", "weekdays nine-five")
    assert str(store.schedules()["nb-day"]) == "mon,tue,wed,thu,fri 09:00-19:00 UTC"
    monday_3am = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)
    plan = sm.apply_schedules(store.schedules(), monday_3am, dry_run=True)
    assert [(r["instance"], r["action"], r["done"]) for r in plan] == [
        ("nb-day", "stop", False),
        ("nb-gone", None, False),
        ("nb-night", "start", False),
    ]
    assert plan[1]["error"] == "no notebook instance named 'nb-gone'"
    done = sm.apply_schedules(store.schedules(), monday_3am)
    assert [r["done"] for r in done] == [True, False, True]
    states = {
        i["NotebookInstanceName"]: i["NotebookInstanceStatus"] for i in sm.list_notebook_instances()
    }
    assert states == {"nb-day": "Stopped", "nb-night": "InService"}
    assert sm.apply_schedules(store.schedules(), monday_3am)[0]["action"] is None
    assert store.delete_schedule("nb-gone") and not store.delete_schedule("nb-gone")


@pytest.mark.aws
def test_run_log_shipped_to_cloudwatch_stream_named_like_sagemaker(aws, tmp_path):
    from jupyter_mlkit.aws import client
    from jupyter_mlkit.lifecycle import EnvInfo, run_hook
    from jupyter_mlkit.lifecycle.cloudwatch import LOG_GROUP, ship_run_log

    env = EnvInfo("nb-logs", str(tmp_path), str(tmp_path / "data"))
    cfg = LifecycleConfig("x", on_start="echo one\necho two >&2\necho three\n")
    first = run_hook(cfg, "on_start", env_info=env, log_dir=tmp_path / "logs")
    other = EnvInfo("nb-other", str(tmp_path), str(tmp_path / "data"))
    second = run_hook(cfg, "on_start", env_info=other, log_dir=tmp_path / "logs")
    assert ship_run_log(first) == 3
    assert ship_run_log(second) == 3  # the group exists now: no error, a second stream
    logs = client("logs")
    events = logs.get_log_events(
        logGroupName=LOG_GROUP, logStreamName="nb-logs/LifecycleConfigOnStart", startFromHead=True
    )["events"]
    assert [e["message"] for e in events] == ["one", "two", "three"]
    streams = logs.describe_log_streams(logGroupName=LOG_GROUP)["logStreams"]
    assert sorted(s["logStreamName"] for s in streams) == [
        "nb-logs/LifecycleConfigOnStart",
        "nb-other/LifecycleConfigOnStart",
    ]
