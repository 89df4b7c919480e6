"""The boto3 client factory talks to the endpoint override (a real moto server here)."""

from __future__ import annotations

import pytest

from jupyter_mlkit import aws


def test_client_uses_endpoint_override(aws):  # noqa: F811 - the fixture shadows the module name
    from jupyter_mlkit import aws as factory

    s3 = factory.client("s3")
    assert s3.meta.endpoint_url == aws
    s3.create_bucket(Bucket="mlkit-test")
    s3.put_object(Bucket="mlkit-test", Key="a.txt", Body=b"hello")
    assert s3.get_object(Bucket="mlkit-test", Key="a.txt")["Body"].read() == b"hello"
    assert s3.meta.config.retries["total_max_attempts"] == 2  # one try plus one retry


def test_region_and_credentials(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert aws.region_name() == "eu-west-1"
    assert aws.region_name("us-west-2") == "us-west-2"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    ok, why = aws.credentials_available()
    assert ok and why == "credentials found"


def test_no_credentials_is_reported_not_raised(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    ok, why = aws.credentials_available()
    assert not ok and "no AWS credentials" in why


def test_unreachable_endpoint_fails_fast(monkeypatch):
    import botocore.exceptions

    from tests.conftest import free_port

    monkeypatch.setenv("MLKIT_AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("MLKIT_AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        aws.client("s3", connect_timeout=1).list_buckets()
