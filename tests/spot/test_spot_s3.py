"""Checkpoints on S3 (the moto server): round trip, multipart, fail fast, outages.

Outages are real HTTP failures: a small proxy on 127.0.0.1 answers 503 for a while, then
forwards to moto.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import pytest

from jupyter_mlkit.spot import CheckpointStorageError, S3Storage, open_storage

pytestmark = pytest.mark.aws


class FlakyProxy:
    """Forwards to moto, except that it answers 503 SlowDown while ``failing`` is set (or for the
    next ``fail_next`` requests)."""

    def __init__(self, target: str):
        self.target = urlparse(target)
        self.failing = False
        self.fail_next = 0
        self.failed = 0
        self.status = 503
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if outer.failing or outer.fail_next > 0:
                    outer.fail_next = max(0, outer.fail_next - 1)
                    outer.failed += 1
                    msg = b"<Error><Code>SlowDown</Code><Message>try later</Message></Error>"
                    self.send_response(outer.status)
                    self.send_header("Content-Length", str(len(msg)))
                    self.end_headers()
                    self.wfile.write(msg)
                    return
                conn = http.client.HTTPConnection(outer.target.hostname, outer.target.port)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "expect"}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bucket(aws):
    from jupyter_mlkit.aws import client

    client("s3").create_bucket(Bucket="ckpt-bucket")
    return "ckpt-bucket"


def test_round_trip_manifest_last_and_torn_skipped(bucket):
    s = open_storage(f"s3://{bucket}/runs/a")
    assert isinstance(s, S3Storage)
    s.write(10, {"state.pt": b"ten"}, {})
    s.write(20, {"state.pt": b"twenty"}, {})
    s._put(s._key("step-0000000030", "state.pt"), b"half written")  # no manifest: torn
    cand, skipped = s.newest_valid()
    assert cand.step == 20 and cand.files == {"state.pt": b"twenty"}
    assert [(c.step, c.reason) for c in skipped] == [
        (30, "no manifest (torn or in-progress write)")
    ]
    assert s.prune(keep=1) == ["step-0000000010"]
    assert [n for n, _ in s.steps()] == ["step-0000000030", "step-0000000020"]


def test_large_file_goes_up_in_parts(bucket):
    from jupyter_mlkit.aws import client

    s = S3Storage(f"s3://{bucket}/big", multipart_mb=5)
    data = bytes(range(256)) * (6 * 4096)  # 6 MiB > 5 MiB threshold
    s.write(1, {"state.pt": data}, {})
    head = client("s3").head_object(Bucket=bucket, Key="big/step-0000000001/state.pt")
    assert head["ETag"].strip('"').endswith("-2")  # a multipart upload of two parts
    cand, _ = s.newest_valid()
    assert cand.files["state.pt"] == data


def test_missing_bucket_fails_fast(aws):
    with pytest.raises(CheckpointStorageError, match="s3://no-such-bucket/x cannot be used"):
        open_storage("s3://no-such-bucket/x")
    with pytest.raises(CheckpointStorageError, match="not an S3 URI"):
        S3Storage("s3:///nobucket")


def test_unauthorised_bucket_fails_fast(aws, monkeypatch):
    proxy = FlakyProxy(aws)
    proxy.failing, proxy.status = True, 403  # what S3 answers without rights on the bucket
    monkeypatch.setenv("MLKIT_AWS_ENDPOINT_URL", proxy.url)
    try:
        with pytest.raises(CheckpointStorageError, match=r"access denied \(unauthorised\)"):
            open_storage("s3://someone-elses-bucket/ckpt")
    finally:
        proxy.close()


def test_unreachable_endpoint_fails_fast(aws, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("MLKIT_AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    t0 = time.monotonic()
    with pytest.raises(CheckpointStorageError, match="is unreachable"):
        open_storage("s3://bucket/prefix")
    assert time.monotonic() - t0 < 60  # fails in seconds, not after long retry loops


def test_outage_save_retries_then_succeeds(bucket, aws, monkeypatch):
    proxy = FlakyProxy(aws)
    monkeypatch.setenv("MLKIT_AWS_ENDPOINT_URL", proxy.url)
    try:
        s = S3Storage(f"s3://{bucket}/flaky", backoff_s=0.01)
        proxy.fail_next = 3
        s.write(5, {"state.pt": b"five", "rng.json": b"{}"}, {})
        assert proxy.failed == 3
        cand, _ = s.newest_valid()
        assert cand.step == 5
    finally:
        proxy.close()


def test_long_outage_is_not_reported_saved_and_training_goes_on(bucket, aws, monkeypatch):
    torch = pytest.importorskip("torch")
    from jupyter_mlkit.spot import Checkpointer

    monkeypatch.setenv("MLKIT_IMDS_ENDPOINT", "")
    monkeypatch.delenv("MLKIT_SPOT_CHANNEL", raising=False)
    proxy = FlakyProxy(aws)
    monkeypatch.setenv("MLKIT_AWS_ENDPOINT_URL", proxy.url)
    try:
        ckpt = Checkpointer(f"s3://{bucket}/run", every_steps=1, every_seconds=None)
        ckpt.storage.backoff_s = 0.01
        ckpt.track(model=torch.nn.Linear(2, 2))
        assert ckpt.restore() == 0
        assert ckpt.step(1) is True
        proxy.failing = True  # S3 goes away
        assert ckpt.step(2) is False
        assert ckpt.last_saved_step == 1 and [s["step"] for s in ckpt.saves] == [1]
        assert "failed after retries" in ckpt.failures[0]
        assert proxy.failed >= ckpt.storage.attempts
        proxy.failing = False  # and comes back
        assert ckpt.step(3) is True and ckpt.last_saved_step == 3
        ckpt.close()
        cand, _ = ckpt.storage.newest_valid()
        assert cand.step == 3
    finally:
        proxy.close()


def test_local_cache_mirrors_s3_like_sagemaker_local_path(bucket, tmp_path):
    from jupyter_mlkit.aws import client

    cache = tmp_path / "opt-ml-checkpoints"
    s = open_storage(f"s3://{bucket}/cached", cache_dir=cache)
    s.write(4, {"state.pt": b"four"}, {})
    assert (cache / "step-0000000004" / "state.pt").read_bytes() == b"four"
    # same manifest locally and on S3: the restore reads the local copy, not the S3 data object
    client("s3").put_object(Bucket=bucket, Key="cached/step-0000000004/state.pt", Body=b"gone")
    cand, _ = s.newest_valid()
    assert cand.valid and cand.files == {"state.pt": b"four"}
    # a fresh machine (empty cache) downloads, verifies (the S3 object is now bad) and skips
    fresh = open_storage(f"s3://{bucket}/cached", cache_dir=tmp_path / "fresh")
    cand, skipped = fresh.newest_valid()
    assert cand is None and skipped[0].reason == "file state.pt does not match its sha256"
    # a good checkpoint is downloaded into the empty cache
    s.write(8, {"state.pt": b"eight"}, {})
    cand, _ = fresh.newest_valid()
    assert cand.step == 8
    assert (tmp_path / "fresh" / "step-0000000008" / "state.pt").read_bytes() == b"eight"
    s.delete("step-0000000008")
    assert not (cache / "step-0000000008").exists()
