"""Interruption notices from a local stand-in for the EC2 metadata service, and the simulator."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jupyter_mlkit.spot import Interruption, InterruptionPlan, NoticeWatcher


class FakeImds:
    """Serves the two spot paths on 127.0.0.1 like EC2 does: 404 until something is scheduled."""

    def __init__(self):
        self.action: dict | None = None
        self.rebalance: dict | None = None
        self.tokens_issued = 0
        self.gets_with_token = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_PUT(self):
                outer.tokens_issued += 1
                self._send(200, b"TOKEN123")

            def do_GET(self):
                if self.headers.get("X-aws-ec2-metadata-token") == "TOKEN123":
                    outer.gets_with_token += 1
                doc = {
                    "/latest/meta-data/spot/instance-action": outer.action,
                    "/latest/meta-data/events/recommendations/rebalance": outer.rebalance,
                }.get(self.path)
                if doc is None:
                    self._send(404, b"Not Found")
                else:
                    self._send(200, json.dumps(doc).encode())

            def _send(self, code, body):
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def imds():
    server = FakeImds()
    yield server
    server.close()


def wait_for(pred, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return False


def test_instance_action_becomes_an_interruption_notice(imds):
    w = NoticeWatcher(sigterm=False, imds=imds.url, poll_s=0.02)
    try:
        time.sleep(0.1)
        assert w.interruption is None  # 404: nothing scheduled yet
        imds.action = {"action": "terminate", "time": "2026-11-28T08:00:00Z"}
        assert wait_for(lambda: w.interruption is not None)
        assert w.interruption.source == "imds"
        assert w.interruption.detail == {"action": "terminate", "time": "2026-11-28T08:00:00Z"}
        assert imds.tokens_issued >= 1 and imds.gets_with_token >= 1  # IMDSv2 session token
    finally:
        w.close()


def test_rebalance_recommendation_is_reported_once(imds):
    imds.rebalance = {"noticeTime": "2026-11-28T07:58:00Z"}
    w = NoticeWatcher(sigterm=False, imds=imds.url, poll_s=0.02)
    try:
        assert wait_for(lambda: w.rebalance is not None)
        first = w.take_rebalance()
        assert first.kind == "rebalance" and first.detail["noticeTime"] == "2026-11-28T07:58:00Z"
        time.sleep(0.1)
        assert w.take_rebalance() is None and w.interruption is None
    finally:
        w.close()


def test_rebalance_triggers_an_early_save_without_exit(imds, tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from jupyter_mlkit.spot import Checkpointer

    monkeypatch.delenv("MLKIT_SPOT_CHANNEL", raising=False)
    ckpt = Checkpointer(tmp_path, every_steps=1000, every_seconds=None, imds=imds.url)
    ckpt.watcher.poll_s = 0.02
    ckpt.track(model=torch.nn.Linear(1, 1))
    ckpt.restore()
    assert ckpt.step(1) is False
    imds.rebalance = {"noticeTime": "now"}
    assert wait_for(lambda: ckpt.watcher.rebalance is not None)
    assert ckpt.step(2) is True and ckpt.last_saved_step == 2
    ckpt.close()


def test_imds_off_unless_asked_or_on_ec2(monkeypatch):
    monkeypatch.setenv("MLKIT_IMDS_ENDPOINT", "")
    assert NoticeWatcher(sigterm=False).imds_url is None
    monkeypatch.setenv("MLKIT_IMDS_ENDPOINT", "http://127.0.0.1:9/")
    w = NoticeWatcher(sigterm=False, poll_s=0.01)
    assert w.imds_url == "http://127.0.0.1:9"
    w.close()


def test_random_plan_is_seeded_with_exact_mode_counts():
    a = InterruptionPlan.random(10, seed=3, mode="mixed", window_s=(1, 2), wait_s=(0, 5))
    b = InterruptionPlan.random(10, seed=3, mode="mixed", window_s=(1, 2), wait_s=(0, 5))
    items_a = [a.next() for _ in range(11)]
    items_b = [b.next() for _ in range(11)]
    assert items_a == items_b and items_a[-1] is None
    modes = [i.mode for i in items_a[:-1]]
    assert sorted(modes) == sorted(["notice"] * 5 + ["kill"] * 3 + ["kill-save"] * 2)
    assert all(1 <= i.at_s <= 2 and 0 <= i.capacity_wait_s <= 5 for i in items_a[:-1])
    kills = InterruptionPlan.random(4, seed=1, mode="kill")
    assert sorted(kills.next().mode for _ in range(4)) == ["kill", "kill", "kill-save", "kill-save"]
    with pytest.raises(ValueError, match="mode must be one of"):
        InterruptionPlan.random(3, mode="sometimes")


def test_poisson_plan_has_exponential_gaps():
    plan = InterruptionPlan(rate_per_hour=3600.0, seed=5, mode="notice", max_n=2000)
    gaps = [plan.next().at_s for _ in range(2000)]
    assert plan.next() is None  # max_n reached
    mean = sum(gaps) / len(gaps)
    assert 0.9 < mean < 1.1  # rate 1/s -> mean gap 1 s (2000 samples: sd of the mean ~0.022)
    assert all(isinstance(plan, InterruptionPlan) for _ in [0])
    fixed = InterruptionPlan([Interruption(1.0, "kill")])
    assert fixed.remaining() == 1 and fixed.next().mode == "kill" and fixed.remaining() == 0
