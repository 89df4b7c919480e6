"""``mlkit lifecycle studio ...`` and ``mlkit lifecycle instances ...`` (click, in process).

Notebook instances run against the real moto server. moto implements no Studio lifecycle-config
call (spec D.1), so the Studio commands get a real botocore client wrapped in botocore's Stubber,
handed to the CLI as ``obj={"sagemaker_client": client}``: the requests the CLI sends are checked
against the expected parameters, and SageMaker's answers are canned.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from jupyter_mlkit.cli import main

ROLE = "arn:aws:iam::123456789012:role/notebook"


def mlkit(*args, client=None):
    obj = {"sagemaker_client": client} if client is not None else None
    return CliRunner().invoke(main, ["lifecycle", *args], obj=obj)


def stubbed():
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


@pytest.fixture
def saved(tmp_path):
    start = tmp_path / "start.sh"
    start.write_text("#!/bin/bash\necho studio start\n")
    out = mlkit("create", "team-setup", "--on-start", str(start))
    assert out.exit_code == 0, out.output
    return "#!/bin/bash\necho studio start\n"


def test_studio_publish_list_show_delete(saved):
    client, stub = stubbed()
    content = base64.b64encode(saved.encode()).decode()
    arn = "arn:aws:sagemaker:us-east-1:1:studio-lifecycle-config/team-setup"
    stub.add_response(
        "create_studio_lifecycle_config",
        {"StudioLifecycleConfigArn": arn},
        {
            "StudioLifecycleConfigName": "team-setup",
            "StudioLifecycleConfigContent": content,
            "StudioLifecycleConfigAppType": "JupyterLab",
        },
    )
    when = datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)
    stub.add_response(
        "list_studio_lifecycle_configs",
        {
            "StudioLifecycleConfigs": [
                {
                    "StudioLifecycleConfigArn": arn,
                    "StudioLifecycleConfigName": "team-setup",
                    "StudioLifecycleConfigAppType": "JupyterLab",
                    "CreationTime": when,
                    "LastModifiedTime": when,
                }
            ]
        },
        {"AppTypeEquals": "JupyterLab"},
    )
    stub.add_response(
        "describe_studio_lifecycle_config",
        {
            "StudioLifecycleConfigArn": arn,
            "StudioLifecycleConfigName": "team-setup",
            "StudioLifecycleConfigContent": content,
            "StudioLifecycleConfigAppType": "JupyterLab",
        },
        {"StudioLifecycleConfigName": "team-setup"},
    )
    stub.add_response(
        "delete_studio_lifecycle_config", {}, {"StudioLifecycleConfigName": "team-setup"}
    )
    with stub:
        out = mlkit("studio", "publish", "team-setup", "--app-type", "JupyterLab", client=client)
        assert out.exit_code == 0, out.output
        assert out.output == f"created {arn}\n"
        out = mlkit("studio", "list", "--app-type", "JupyterLab", client=client)
        assert out.output.split() == ["team-setup", "JupyterLab", "2026-11-28", "09:30"]
        out = mlkit("studio", "show", "team-setup", client=client)
        assert out.output == f"# team-setup (JupyterLab)\n# {arn}\n{saved}"
        out = mlkit("studio", "delete", "team-setup", client=client)
        assert out.output == "deleted Studio configuration team-setup\n"
    stub.assert_no_pending_responses()


def test_studio_bad_input_and_aws_refusal(saved):
    out = mlkit("studio", "publish", "team-setup", "--app-type", "RStudio")
    assert out.exit_code == 2 and "'RStudio' is not one of" in out.output
    out = mlkit(
        "studio", "publish", "team-setup", "--app-type", "JupyterLab", "--hook", "on-create"
    )
    assert out.exit_code == 2 and "has no on-create script" in out.output
    out = mlkit("studio", "publish", "nope", "--app-type", "JupyterLab")
    assert out.exit_code == 2 and "nope" in out.output
    client, stub = stubbed()
    stub.add_client_error(
        "describe_studio_lifecycle_config",
        service_error_code="ResourceNotFound",
        service_message="Studio lifecycle config ghost does not exist",
    )
    with stub:
        out = mlkit("studio", "show", "ghost", client=client)
    # One line, exit 2, no traceback.
    assert out.exit_code == 2
    assert out.output.startswith("error: ") and "ResourceNotFound" in out.output
    assert "Traceback" not in out.output


@pytest.mark.aws
def test_instances_create_list_stop_start_schedule_delete(aws, saved):
    out = mlkit(
        "instances",
        "create",
        "nb-one",
        "--volume-size",
        "20",
        "--lifecycle-config",
        "team-setup",
        "--role-arn",
        ROLE,
    )
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0].startswith("created arn:aws:sagemaker:")  # the config
    assert out.output.splitlines()[1].endswith(":notebook-instance/nb-one (InService)")

    assert mlkit("instances", "list").output.split() == [
        "nb-one",
        "InService",
        "ml.t3.medium",
        "team-setup",
        "-",
    ]
    assert mlkit("instances", "stop", "nb-one").output == "nb-one: Stopped\n"
    assert mlkit("instances", "start", "nb-one").output == "nb-one: InService\n"

    out = mlkit("instances", "schedule", "nb-one", "weekdays 09:00-19:00")
    assert out.exit_code == 0, out.output
    assert out.output.startswith("nb-one: runs weekdays 09:00-19:00 (now InService")
    assert mlkit("instances", "schedule", "nb-one").output == "nb-one: weekdays 09:00-19:00\n"
    assert mlkit("instances", "list").output.split()[-2:] == ["weekdays", "09:00-19:00"]

    saturday = "2026-11-28T12:00:00+00:00"
    out = mlkit("instances", "apply-schedules", "--at", saturday, "--dry-run")
    assert out.output.split() == ["nb-one", "InService", "stop", "(dry", "run)"]
    out = mlkit("instances", "apply-schedules", "--at", saturday)
    assert out.output.split() == ["nb-one", "InService", "stop"]
    assert mlkit("instances", "list").output.split()[1] == "Stopped"

    out = mlkit("instances", "delete", "nb-one")
    assert out.exit_code == 0 and out.output == "deleted nb-one\n"
    assert mlkit("instances", "list").output == "no notebook instances\n"
    out = mlkit("instances", "schedule", "nb-one")  # deleted with its instance
    assert out.exit_code == 2 and "has no schedule" in out.output


@pytest.mark.aws
def test_instances_bad_input_is_one_line_naming_the_field(aws, monkeypatch):
    monkeypatch.delenv("MLKIT_SAGEMAKER_ROLE_ARN", raising=False)
    cases = [
        (["--instance-type", "t3.medium", "--role-arn", ROLE], "instance_type: "),
        (["--volume-size", "4", "--role-arn", ROLE], "volume_size_gb: "),
        (["--lifecycle-config", "nowhere", "--role-arn", ROLE], "lifecycle_config: "),
        ([], "role_arn: "),
    ]
    for args, prefix in cases:
        out = mlkit("instances", "create", "nb-bad", *args)
        assert out.exit_code == 2, out.output
        assert out.output.startswith(f"error: {prefix}"), out.output
    mlkit("instances", "create", "nb-ok", "--role-arn", ROLE)
    out = mlkit("instances", "schedule", "nb-ok", "weekdays nine-five")
    assert out.exit_code == 2 and out.output.startswith("error: schedule: ")
    out = mlkit("instances", "start", "ghost")
    assert out.exit_code == 2 and "no SageMaker notebook instance named 'ghost'" in out.output
