"""The one place boto3 clients are made.

``MLKIT_AWS_ENDPOINT_URL`` points every client at another endpoint (a moto server in tests, a
LocalStack, a VPC endpoint). Retries are bounded so an unreachable or unsupported service fails in
seconds, not minutes.
"""

from __future__ import annotations

import os
from typing import Any

ENDPOINT_ENV = "MLKIT_AWS_ENDPOINT_URL"
DEFAULT_REGION = "us-east-1"


class AwsUnavailable(RuntimeError):
    """boto3 is missing, or no credentials / region could be found."""


def boto3_module():
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise AwsUnavailable("boto3 is not installed: pip install 'jupyter_mlkit[aws]'") from exc
    return boto3


def region_name(region: str | None = None) -> str:
    return (
        region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or DEFAULT_REGION
    )


def client(
    service: str,
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    max_attempts: int | None = None,
    connect_timeout: float = 5,
    read_timeout: float = 60,
) -> Any:
    """A boto3 client for ``service`` honouring the endpoint override and retry settings."""
    boto3 = boto3_module()
    from botocore.config import Config

    attempts = max_attempts or int(os.environ.get("MLKIT_AWS_MAX_ATTEMPTS", "3"))
    config = Config(
        retries={"max_attempts": attempts, "mode": "standard"},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    return boto3.client(
        service,
        region_name=region_name(region),
        endpoint_url=endpoint_url or os.environ.get(ENDPOINT_ENV) or None,
        config=config,
    )


def credentials_available() -> tuple[bool, str]:
    """Whether boto3 can find credentials here, and why not when it cannot."""
    try:
        boto3 = boto3_module()
    except AwsUnavailable as exc:
        return False, str(exc)
    try:
        creds = boto3.session.Session().get_credentials()
    except Exception as exc:  # botocore raises several kinds for broken config files
        return False, f"AWS configuration could not be read: {exc}"
    if creds is None:
        return False, "no AWS credentials found (environment, ~/.aws or instance role)"
    return True, "credentials found"
