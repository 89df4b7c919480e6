"""Interruption notices: SIGTERM, and the EC2 instance metadata spot endpoints.

EC2 publishes ``latest/meta-data/spot/instance-action`` (404 until an interruption is scheduled,
then ``{"action": "terminate", "time": "..."}``) about two minutes ahead, and
``latest/meta-data/events/recommendations/rebalance`` (an earlier, best-effort risk signal). AWS
recommends polling every 5 s. SageMaker and Kubernetes send SIGTERM instead. Both end up here as a
:class:`Notice` the Checkpointer acts on at its next ``step``.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IMDS_ENV = "MLKIT_IMDS_ENDPOINT"
DEFAULT_IMDS = "http://169.254.169.254"
ACTION_PATH = "/latest/meta-data/spot/instance-action"
REBALANCE_PATH = "/latest/meta-data/events/recommendations/rebalance"
TOKEN_PATH = "/latest/api/token"


@dataclass
class Notice:
    kind: str  # "interruption" (save and exit) or "rebalance" (save early, keep going)
    source: str  # "SIGTERM", "imds"
    detail: dict[str, Any]
    received: float


def on_ec2() -> bool:
    """Cheap local check (no network): the DMI tables name Amazon EC2 on EC2 instances."""
    for f in ("/sys/devices/virtual/dmi/id/sys_vendor", "/sys/devices/virtual/dmi/id/board_vendor"):
        try:
            if "amazon" in Path(f).read_text().lower():
                return True
        except OSError:
            continue
    return False


class NoticeWatcher:
    """Collects interruption notices from SIGTERM and (when enabled) the metadata endpoint."""

    def __init__(
        self,
        *,
        sigterm: bool = True,
        imds: str | bool | None = "auto",
        poll_s: float = 5.0,
    ):
        self._lock = threading.Lock()
        self.interruption: Notice | None = None
        self.rebalance: Notice | None = None
        self._rebalance_seen = False
        self._stop = threading.Event()
        self._prev_handler: Any = None
        self.poll_s = poll_s
        if sigterm and threading.current_thread() is threading.main_thread():
            self._prev_handler = signal.signal(signal.SIGTERM, self._on_sigterm)
        self.imds_url = self._imds_base(imds)
        self._thread: threading.Thread | None = None
        if self.imds_url:
            self._thread = threading.Thread(target=self._poll, name="spot-imds", daemon=True)
            self._thread.start()

    @staticmethod
    def _imds_base(imds: str | bool | None) -> str | None:
        if isinstance(imds, str) and imds not in ("auto", ""):
            return imds.rstrip("/")
        if imds is False or imds is None or imds == "":
            return None
        env = os.environ.get(IMDS_ENV)
        if env is not None:
            return env.rstrip("/") or None  # set but empty: polling switched off
        if imds is True or on_ec2():
            return DEFAULT_IMDS
        return None

    def _on_sigterm(self, signum, frame) -> None:
        self._set(Notice("interruption", "SIGTERM", {"signal": signum}, time.time()))

    def _set(self, notice: Notice) -> None:
        with self._lock:
            if notice.kind == "interruption" and self.interruption is None:
                self.interruption = notice
            elif notice.kind == "rebalance" and not self._rebalance_seen:
                self._rebalance_seen = True
                self.rebalance = notice

    def take_rebalance(self) -> Notice | None:
        with self._lock:
            notice, self.rebalance = self.rebalance, None
            return notice

    def _token(self) -> str | None:
        req = urllib.request.Request(
            self.imds_url + TOKEN_PATH,
            method="PUT",
            headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"},
        )
        try:
            with urllib.request.urlopen(req, timeout=1) as resp:
                return resp.read().decode()
        except (urllib.error.URLError, OSError):
            return None  # IMDSv1 or no token service: plain GETs

    def _get(self, path: str, token: str | None) -> tuple[int, bytes]:
        headers = {"X-aws-ec2-metadata-token": token} if token else {}
        req = urllib.request.Request(self.imds_url + path, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=1) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, b""

    def poll_once(self) -> None:
        """One look at both endpoints; raises OSError when the endpoint is unreachable."""
        token = self._token()
        status, body = self._get(ACTION_PATH, token)
        if status == 200 and body.strip():
            self._set(Notice("interruption", "imds", _json_or_text(body), time.time()))
        status, body = self._get(REBALANCE_PATH, token)
        if status == 200 and body.strip():
            self._set(Notice("rebalance", "imds", _json_or_text(body), time.time()))

    def _poll(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self.poll_once()
                failures = 0
            except (urllib.error.URLError, OSError):
                failures += 1
                if failures >= 3:
                    return  # not on EC2 after all; stop knocking
            self._stop.wait(self.poll_s)

    def close(self) -> None:
        self._stop.set()
        if self._prev_handler is not None:
            try:
                signal.signal(signal.SIGTERM, self._prev_handler)
            except ValueError:  # pragma: no cover - not in the main thread
                pass
            self._prev_handler = None


def _json_or_text(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
        return doc if isinstance(doc, dict) else {"value": doc}
    except ValueError:
        return {"value": body.decode(errors="replace")}
