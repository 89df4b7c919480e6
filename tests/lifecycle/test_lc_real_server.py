"""A REAL ``jupyter server`` subprocess with a lifecycle configuration attached.

Each server gets a free port on 127.0.0.1, a token, its own root, data, config and runtime
directories and database. Nothing is mocked: bash scripts, signals, kernels and the idle stop
are the real ones.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from jupyter_mlkit.lifecycle import LifecycleConfig, LifecycleStore, config_from_template

TOKEN = "lifecycle-test-token"
SERVER = "real-test"


class Server:
    """One ``jupyter server`` process; ``call`` talks to its REST API with the token."""

    def __init__(self, base: Path, *args: str, wait: bool = True):
        self.base = base
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log_path = base / f"server-{self.port}.log"
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(base / "config"),
            "JUPYTER_DATA_DIR": str(base / "data"),
            "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
            "MLKIT_DB": str(base / "mlkit.sqlite"),
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                f"--port={self.port}",
                "--ip=127.0.0.1",
                "--no-browser",
                "--allow-root",  # CI containers run as root
                f"--ServerApp.root_dir={base / 'root'}",
                f"--IdentityProvider.token={TOKEN}",
                f"--MlkitApp.server_name={SERVER}",
                *args,
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while wait:
            try:
                self.call("mlkit/api/v1/status")
                return
            except (urllib.error.URLError, ConnectionError):
                assert self.proc.poll() is None, self.output()
                assert time.monotonic() < deadline, "server did not start:\n" + self.output()
                time.sleep(0.2)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def call(self, path: str, method: str = "GET", body: dict | None = None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {TOKEN}"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = resp.read().decode()
            return json.loads(text) if text else None

    def lifecycle(self) -> dict:
        return self.call("mlkit/api/v1/status")["lifecycle"]

    def wait_for(self, predicate, what: str, timeout: float = 40):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            assert self.proc.poll() is None, f"server exited while waiting for {what}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}\n{self.output()}"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


@pytest.fixture
def base(tmp_path):
    for sub in ("config", "data", "runtime", "root"):
        (tmp_path / sub).mkdir()
    # Only our extension (and terminals): faster start, and nothing else touches the dirs.
    (tmp_path / "config" / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": {
                        "jupyter_mlkit": True,
                        "jupyterlab": False,
                        "jupyter_lsp": False,
                        "notebook_shim": False,
                    }
                },
                "MlkitApp": {"idle_poll_s": 0.3, "poll_interval_s": 1.0},
            }
        )
    )
    yield tmp_path
    for s in _SERVERS.pop(str(tmp_path), []):
        s.stop()


_SERVERS: dict[str, list[Server]] = {}


def start(base: Path, *args: str, wait: bool = True) -> Server:
    server = Server(base, *args, wait=wait)
    _SERVERS.setdefault(str(base), []).append(server)
    return server


def store(base: Path) -> LifecycleStore:
    return LifecycleStore(base / "mlkit.sqlite")


def startup_done(server: Server):
    lc = server.lifecycle()
    return lc if lc and lc["startup"]["state"] == "done" else None


def test_on_create_once_on_start_every_start_logs_complete(base):
    marks = base / "marks.txt"
    st = store(base)
    st.create(
        LifecycleConfig(
            "boot",
            on_create=f'echo create >> "{marks}"\necho "created in $PWD"\n',
            on_start=f'echo "start $MLKIT_SERVER_PORT" >> "{marks}"\n'
            'echo "hook=$MLKIT_LIFECYCLE_HOOK stream=$MLKIT_LOG_STREAM"\necho warn >&2\n',
        )
    )
    st.attach("boot", SERVER)

    ports = []
    for _ in range(2):
        server = start(base)
        ports.append(server.port)
        lc = server.wait_for(lambda s=server: startup_done(s), "start-up scripts")
        assert lc["startup"]["ok"] and lc["failed_hooks"] == []
        server.stop()

    assert marks.read_text().splitlines() == ["create", f"start {ports[0]}", f"start {ports[1]}"]
    runs = st.runs("boot", limit=10)[::-1]
    assert [(r.hook, r.status) for r in runs] == [
        ("on_create", "succeeded"),
        ("on_start", "succeeded"),
        ("on_start", "succeeded"),
    ]
    assert st.read_log(runs[0].id)["text"] == f"created in {base / 'root'}\n"
    for run in runs[1:]:
        log = st.read_log(run.id)
        assert log["eof"] and log["text"] == (
            f"hook=on-start stream={SERVER}/LifecycleConfigOnStart\nwarn\n"
        )
        assert Path(run.log_path).parent.name == "LifecycleConfigOnStart"


def test_script_past_the_limit_is_killed_with_children_and_server_keeps_serving(base):
    pidfile = base / "child.pid"
    st = store(base)
    st.create(
        LifecycleConfig(
            "slow",
            on_start=f'sleep 120 &\necho $! > "{pidfile}"\necho begun\nsleep 120\necho never\n',
        )
    )
    st.attach("slow", SERVER)
    server = start(base, "--MlkitApp.lifecycle_timeout_s=2")
    # While the script runs, the server answers.
    assert server.call("api/contents")["type"] == "directory"
    lc = server.wait_for(
        lambda: (lambda x: x if x["failed_hooks"] else None)(server.lifecycle()), "the time-out"
    )
    assert lc["failed_hooks"] == ["on_start"]
    run = lc["last_runs"]["on_start"]
    assert run["status"] == "timed_out" and run["timed_out"] is True
    child = int(pidfile.read_text())
    gone = not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE
    assert gone, "the script's background child survived the time-out"
    log = server.call(f"mlkit/api/v1/lifecycle/runs/{run['id']}/log")
    assert log["eof"] and log["text"] == (
        "begun\n\n[mlkit] killed after the 2 s time limit (with its whole process group)\n"
    )
    assert server.call("api/contents")["type"] == "directory"
    assert server.proc.poll() is None


def auto_stop(idle_seconds: int) -> LifecycleConfig:
    return config_from_template(
        "auto-stop",
        "auto-stop-idle",
        {"IDLE_SECONDS": str(idle_seconds), "ACTION": "stop-server"},
    )


def test_idle_auto_stop_stops_a_real_server(base):
    st = store(base)
    st.create(auto_stop(3))
    st.attach("auto-stop", SERVER)
    # Not waiting for it to answer: on a slow machine it may already be idle for 3 s by then.
    server = start(base, wait=False)
    # It stops by itself: no request, no signal from us.
    server.proc.wait(60)
    assert server.proc.returncode == 0
    out = server.output()
    assert "idle auto-stop: stop-server" in out
    (run,) = st.runs("auto-stop")
    assert run.status == "succeeded"


def test_idle_auto_stop_waits_for_a_busy_kernel(base):
    from jupyter_client import BlockingKernelClient

    st = store(base)
    st.create(auto_stop(3))
    server = start(base)
    kid = server.call("api/kernels", "POST", {})["id"]
    kc = BlockingKernelClient(connection_file=str(base / "runtime" / f"kernel-{kid}.json"))
    kc.load_connection_file()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        msg_id = kc.execute("import time; time.sleep(7)")

        def kernel_busy():
            return server.call(f"api/kernels/{kid}")["execution_state"] == "busy"

        server.wait_for(kernel_busy, "the kernel to be busy")
        # Turn auto-stop on now (3 s), through the REST "run now" of the template.
        run = server.call("mlkit/api/v1/lifecycle/configs/auto-stop/run", "POST", {})
        assert run["hook"] == "on_start"

        def idle_on():
            idle = server.call("mlkit/api/v1/lifecycle/idle")
            return idle if idle["enabled"] and idle["status"] else None

        idle = server.wait_for(idle_on, "the idle policy")
        assert idle["source"] == "file" and idle["policy"]["idle_seconds"] == 3
        # Busy for 7 s, more than twice the idle time: the server stays up all along.
        while True:
            try:
                reply = kc.get_shell_msg(timeout=0.3)
            except Exception:  # queue.Empty: still sleeping
                reply = None
            if reply and reply["parent_header"].get("msg_id") == msg_id:
                break
            assert server.proc.poll() is None, "stopped while a kernel was busy"
            idle = server.call("mlkit/api/v1/lifecycle/idle")["status"]
            if kernel_busy():  # asked after the idle status, so that status saw it busy too
                assert idle["idle"] is False and idle["busy"] == [kid]
                assert idle["seconds_left"] is None
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
    # Once the kernel is idle again, the server stops after the idle time.
    server.proc.wait(60)
    assert server.proc.returncode == 0
