"""launch_on_sagemaker against the moto server: the CreateTrainingJob request and its checks."""

from __future__ import annotations

import pytest

from jupyter_mlkit.spot import build_training_job_request, describe, follow, launch_on_sagemaker

BASE = dict(
    image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/train:latest",
    role_arn="arn:aws:iam::123456789012:role/SageMakerRole",
    output_s3_uri="s3://out-bucket/models",
    checkpoint_s3_uri="s3://ckpt-bucket/run-1",
)


def test_request_has_spot_stopping_and_checkpoint_config():
    r = build_training_job_request("job-1", **BASE, max_run_s=3600, max_wait_s=7200)
    assert r["EnableManagedSpotTraining"] is True
    assert r["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}
    assert r["CheckpointConfig"] == {
        "S3Uri": "s3://ckpt-bucket/run-1",
        "LocalPath": "/opt/ml/checkpoints",
    }
    assert r["Environment"]["MLKIT_CHECKPOINT_URI"] == "/opt/ml/checkpoints"
    assert r["ResourceConfig"]["InstanceType"] == "ml.g5.xlarge"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"max_run_s": 3600, "max_wait_s": 600},
            r"max_wait_s \(600\) must be >= max_run_s \(3600\)",
        ),
        ({"max_run_s": 3600}, "managed spot training needs max_wait_s"),
        ({"max_run_s": 29 * 86400, "max_wait_s": 30 * 86400}, "28 days"),
        ({"max_run_s": 60, "max_wait_s": 60, "max_retry_attempts": 31}, "between 1 and 30"),
    ],
)
def test_invalid_stopping_conditions(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_training_job_request("job-1", **BASE, **kwargs)


def test_invalid_names_and_uris():
    with pytest.raises(ValueError, match="1-63 letters"):
        build_training_job_request("bad_name!", **BASE, max_run_s=60, max_wait_s=60)
    with pytest.raises(ValueError, match="checkpoint_s3_uri must be an s3://"):
        build_training_job_request(
            "ok", **{**BASE, "checkpoint_s3_uri": "/local"}, max_run_s=60, max_wait_s=60
        )


@pytest.mark.aws
def test_launch_describe_and_follow_on_moto(aws):
    out = launch_on_sagemaker(
        "spot-job-1",
        **BASE,
        instance_type="ml.p3.2xlarge",
        max_run_s=3600,
        max_wait_s=7200,
        hyperparameters={"epochs": 3},
        input_channels={"train": "s3://data-bucket/train"},
    )
    assert out["TrainingJobArn"].endswith(":training-job/spot-job-1")
    info = describe("spot-job-1")
    assert info["spot"] is True
    assert info["stopping_condition"] == {
        "MaxRuntimeInSeconds": 3600,
        "MaxWaitTimeInSeconds": 7200,
    }
    assert info["checkpoint_config"]["S3Uri"] == "s3://ckpt-bucket/run-1"
    events = []
    final = follow("spot-job-1", poll_s=0.01, timeout_s=30, on_event=events.append)
    assert final["status"] == "Completed"  # moto completes jobs at once
    assert [e["Status"] for e in events] == [t["Status"] for t in final["secondary_transitions"]]
