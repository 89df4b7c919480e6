"""Launch the same training on SageMaker managed spot training, and follow it.

The request carries EnableManagedSpotTraining, a validated StoppingCondition and a CheckpointConfig
whose S3 prefix is the one the Checkpointer uses (SageMaker syncs LocalPath <-> S3Uri; the script
sees LocalPath, so pass ``MLKIT_CHECKPOINT_URI=<local_path>`` in the environment).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from .costs import savings_pct

NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
MAX_RUNTIME_LIMIT_S = 28 * 24 * 3600
TERMINAL = ("Completed", "Failed", "Stopped")


def build_training_job_request(
    job_name: str,
    *,
    image_uri: str,
    role_arn: str,
    output_s3_uri: str,
    checkpoint_s3_uri: str,
    instance_type: str = "ml.g5.xlarge",
    instance_count: int = 1,
    volume_gb: int = 30,
    max_run_s: int = 86400,
    max_wait_s: int | None = None,
    spot: bool = True,
    checkpoint_local_path: str = "/opt/ml/checkpoints",
    hyperparameters: dict[str, Any] | None = None,
    environment: dict[str, str] | None = None,
    input_channels: dict[str, str] | None = None,
    max_retry_attempts: int | None = None,
) -> dict[str, Any]:
    """The CreateTrainingJob request, validated the way the service would (and moto does not)."""
    if not NAME_RE.match(job_name):
        raise ValueError(
            f"job_name {job_name!r}: 1-63 letters, digits and hyphens, "
            "starting with a letter or digit"
        )
    for label, uri in (("output_s3_uri", output_s3_uri), ("checkpoint_s3_uri", checkpoint_s3_uri)):
        if not uri.startswith(("s3://", "https://")) or len(uri) > 1024:
            raise ValueError(
                f"{label} must be an s3:// or https:// URI of at most 1024 chars: {uri!r}"
            )
    if not 1 <= max_run_s <= MAX_RUNTIME_LIMIT_S:
        raise ValueError(f"max_run_s must be between 1 and {MAX_RUNTIME_LIMIT_S} (28 days)")
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": int(max_run_s)}
    if spot:
        if max_wait_s is None:
            raise ValueError("managed spot training needs max_wait_s (MaxWaitTimeInSeconds)")
        if max_wait_s < max_run_s:
            raise ValueError(
                f"max_wait_s ({max_wait_s}) must be >= max_run_s ({max_run_s}): "
                "MaxWaitTimeInSeconds covers waiting for capacity plus the run"
            )
        stopping["MaxWaitTimeInSeconds"] = int(max_wait_s)
    elif max_wait_s is not None:
        raise ValueError("max_wait_s only applies to spot jobs (spot=True)")
    env = {"MLKIT_CHECKPOINT_URI": checkpoint_local_path, **(environment or {})}
    request: dict[str, Any] = {
        "TrainingJobName": job_name,
        "AlgorithmSpecification": {"TrainingImage": image_uri, "TrainingInputMode": "File"},
        "RoleArn": role_arn,
        "OutputDataConfig": {"S3OutputPath": output_s3_uri},
        "ResourceConfig": {
            "InstanceType": instance_type,
            "InstanceCount": int(instance_count),
            "VolumeSizeInGB": int(volume_gb),
        },
        "StoppingCondition": stopping,
        "EnableManagedSpotTraining": bool(spot),
        "CheckpointConfig": {"S3Uri": checkpoint_s3_uri, "LocalPath": checkpoint_local_path},
        "HyperParameters": {k: str(v) for k, v in (hyperparameters or {}).items()},
        "Environment": env,
    }
    if input_channels:
        request["InputDataConfig"] = [
            {
                "ChannelName": name,
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": uri,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
            for name, uri in input_channels.items()
        ]
    if max_retry_attempts is not None:
        if not 1 <= max_retry_attempts <= 30:
            raise ValueError("max_retry_attempts must be between 1 and 30")
        request["RetryStrategy"] = {"MaximumRetryAttempts": int(max_retry_attempts)}
    return request


def launch_on_sagemaker(job_name: str, *, client: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Create the training job; returns {"TrainingJobArn", "request"}. kwargs as
    :func:`build_training_job_request`."""
    from jupyter_mlkit import aws

    request = build_training_job_request(job_name, **kwargs)
    sm = client or aws.client("sagemaker")
    response = sm.create_training_job(**request)
    return {"TrainingJobArn": response["TrainingJobArn"], "request": request}


def describe(job_name: str, *, client: Any = None) -> dict[str, Any]:
    """DescribeTrainingJob reduced to what a spot UI shows, plus savings when reported."""
    from jupyter_mlkit import aws

    sm = client or aws.client("sagemaker")
    d = sm.describe_training_job(TrainingJobName=job_name)
    training, billable = d.get("TrainingTimeInSeconds"), d.get("BillableTimeInSeconds")
    return {
        "name": d["TrainingJobName"],
        "arn": d.get("TrainingJobArn"),
        "status": d["TrainingJobStatus"],
        "secondary_status": d.get("SecondaryStatus"),
        "secondary_transitions": d.get("SecondaryStatusTransitions", []),
        "spot": d.get("EnableManagedSpotTraining", False),
        "stopping_condition": d.get("StoppingCondition", {}),
        "checkpoint_config": d.get("CheckpointConfig"),
        "training_s": training,
        "billable_s": billable,
        "savings_pct": savings_pct(billable, training) if training and billable else None,
        "failure_reason": d.get("FailureReason"),
    }


def follow(
    job_name: str,
    *,
    client: Any = None,
    poll_s: float = 30,
    timeout_s: float | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Poll DescribeTrainingJob until a terminal status; report each new secondary transition."""
    seen = 0
    start = time.monotonic()
    while True:
        info = describe(job_name, client=client)
        for t in info["secondary_transitions"][seen:]:
            if on_event:
                on_event({"type": "transition", **t})
        seen = len(info["secondary_transitions"])
        if info["status"] in TERMINAL:
            return info
        if timeout_s is not None and time.monotonic() - start > timeout_s:
            raise TimeoutError(f"training job {job_name} still {info['status']} after {timeout_s}s")
        time.sleep(poll_s)
