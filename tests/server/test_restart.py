"""A real Jupyter server process, killed and restarted: its running jobs become 'interrupted'."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil

from tests.conftest import free_port


class Server:
    def __init__(self, root, env):
        self.port, self.token = free_port(), secrets.token_hex(8)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                "--no-browser",
                f"--port={self.port}",
                "--ip=127.0.0.1",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={root}",
                "--ServerApp.allow_root=True",
                "--MlkitApp.poll_interval_s=0.1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.wait_ready()

    def call(self, path, method="GET", body=None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/mlkit/api/v1/{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"null")

    def wait_ready(self):
        deadline = time.monotonic() + 60
        while True:
            try:
                return self.call("status")
            except (urllib.error.URLError, ConnectionError):
                assert self.proc.poll() is None, "server exited"
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)


def test_killed_server_leaves_no_job_silently_running(tmp_path):
    env = {
        **os.environ,
        "MLKIT_DB": str(tmp_path / "db.sqlite"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    first = Server(tmp_path, env)
    try:
        job = first.call("jobs", "POST", {"kind": "sleep", "parameters": {"seconds": 120}})
        deadline = time.monotonic() + 30
        while (got := first.call(f"jobs/{job['id']}"))["state"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        worker = psutil.Process(
            next(
                p.pid
                for p in psutil.process_iter(["cmdline"])
                if job["id"] in " ".join(p.info["cmdline"] or [])
            )
        )
        first.proc.send_signal(signal.SIGKILL)  # a crash: no shutdown hook runs
        first.proc.wait(timeout=10)
        assert worker.is_running()  # the worker outlived its server
    finally:
        if first.proc.poll() is None:
            first.proc.kill()
    second = Server(tmp_path, env)
    try:
        after = second.call(f"jobs/{job['id']}")
        assert after["state"] == "interrupted", after
        assert "restarted" in after["error"]["message"]
        worker.wait(timeout=15)  # the new server stopped the orphan
        rerun = second.call(f"jobs/{job['id']}/rerun", "POST")
        assert rerun["parent_id"] == job["id"]
        second.call(f"jobs/{rerun['id']}/cancel", "POST")
    finally:
        second.proc.terminate()
        second.proc.wait(timeout=30)
    assert got["state"] == "running"
