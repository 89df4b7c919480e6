"""Running lifecycle scripts: bash in a new process group, a time limit, per-run log files.

:func:`run_hook` runs one hook and returns a :class:`RunRecord`. :func:`startup` is what the
server extension calls at start (in a background thread, see :func:`startup_in_background`): it
runs the attached configuration's on-create once per data directory, then its on-start.

Environment given to scripts (on top of the server's own environment):

====================================  ==============================================================
``MLKIT_LIFECYCLE_CONFIG``            the configuration's name
``MLKIT_LIFECYCLE_VERSION``           its version in the store (empty when run unsaved)
``MLKIT_LIFECYCLE_HOOK``              ``on-create`` or ``on-start``
``MLKIT_LOG_STREAM``                  ``<server>/LifecycleConfigOnStart`` (or ``...OnCreate``)
``MLKIT_SERVER_NAME``                 the server's name (the notebook instance name on SageMaker)
``MLKIT_SERVER_ROOT``                 the server's root directory (also the working directory)
``MLKIT_SERVER_PORT``                 its port (empty when unknown)
``MLKIT_SERVER_URL``                  its URL, e.g. ``http://127.0.0.1:8888/`` (no token)
``MLKIT_DATA_DIR``                    the Jupyter data directory the server uses
``MLKIT_PYTHON``                      the server's Python interpreter
``USER``, ``LOGNAME``, ``HOME``       the user the server runs as
====================================  ==============================================================
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from .config import HOOK_LABELS, LifecycleConfig, LifecycleConfigError, normalize_hook
from .idle import policy_path
from .models import RunRecord

DEFAULT_TIMEOUT_S = 300.0  # SageMaker's limit: 5 minutes
DEFAULT_KILL_GRACE_S = 5.0


@dataclass(frozen=True)
class EnvInfo:
    """What a script is told about the server it runs for."""

    server_name: str
    server_root: str
    data_dir: str
    port: int | None = None
    url: str | None = None
    user: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def environ(
        self,
        config_name: str,
        hook: str,
        version: int | None = None,
        base: dict[str, str] | None = None,
    ) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        user = self.user or _current_user()
        env.update(
            {
                "MLKIT_LIFECYCLE_CONFIG": config_name,
                "MLKIT_LIFECYCLE_VERSION": "" if version is None else str(version),
                "MLKIT_LIFECYCLE_HOOK": hook.replace("_", "-"),
                "MLKIT_LOG_STREAM": log_stream_name(self.server_name, hook),
                "MLKIT_SERVER_NAME": self.server_name,
                "MLKIT_SERVER_ROOT": str(self.server_root),
                "MLKIT_SERVER_PORT": "" if self.port is None else str(self.port),
                "MLKIT_SERVER_URL": self.url
                or (f"http://127.0.0.1:{self.port}/" if self.port is not None else ""),
                "MLKIT_DATA_DIR": str(self.data_dir),
                "MLKIT_PYTHON": sys.executable,
                "USER": user,
                "LOGNAME": user,
            }
        )
        env.setdefault("HOME", os.path.expanduser("~"))
        env.update(self.extra)
        return env


def _current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (some containers)
        return str(os.getuid())


def default_server_name(metadata_path: str | Path | None = None) -> str:
    """The name used for attachments and log streams: the SageMaker notebook instance's name
    when running on one, else this machine's host name."""
    from .idle import METADATA_PATH, notebook_instance_name

    return notebook_instance_name(metadata_path or METADATA_PATH) or socket.gethostname()


def log_stream_name(server: str, hook: str) -> str:
    """SageMaker's stream name: ``<server>/LifecycleConfigOnCreate`` or ``...OnStart``."""
    return f"{server}/LifecycleConfig{HOOK_LABELS[normalize_hook(hook)]}"


def default_log_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "mlkit" / "lifecycle-logs"


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", part) or "_"


def run_hook(
    config: LifecycleConfig,
    hook: str,
    *,
    env_info: EnvInfo,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    log_dir: str | Path,
    store=None,
    version: int | None = None,
    kill_grace_s: float = DEFAULT_KILL_GRACE_S,
) -> RunRecord:
    """Run one hook's script with bash and wait for it (at most ``timeout_s``).

    stdout and stderr go, interleaved, to ``<log_dir>/<server>/LifecycleConfigOn<Hook>/<time>-
    <name>.log``. On timeout the script's whole process group gets SIGTERM, then SIGKILL after
    ``kill_grace_s``. Background processes left by a script that *finished* in time are not
    touched (SageMaker's samples rely on ``nohup ... &``). With ``store`` the run is recorded
    (a "running" row first, so a panel can show it). Never raises for a failing script; raises
    :class:`LifecycleConfigError` when the hook has no script or it is not UTF-8.
    """
    hook = normalize_hook(hook)
    script = config.script_text(hook)
    if script is None:
        raise LifecycleConfigError(f"{hook.replace('_', '-')} has no script", config.name)
    started = datetime.now(timezone.utc)
    stream = log_stream_name(env_info.server_name, hook)
    folder = Path(log_dir) / _safe(env_info.server_name) / f"LifecycleConfig{HOOK_LABELS[hook]}"
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / f"{started:%Y%m%dT%H%M%S%fZ}-{_safe(config.name)}.log"
    record = RunRecord(
        config_name=config.name,
        hook=hook,
        server=env_info.server_name,
        log_stream=stream,
        log_path=str(log_path),
        started_at=started,
        version=version,
        data_dir=str(env_info.data_dir),
    )
    if store is not None:
        record = store.record_start(record)
    try:
        record = _execute(record, script, env_info, timeout_s, kill_grace_s)
    except Exception as exc:  # never leave a "running" row behind
        record = replace(
            record,
            finished_at=datetime.now(timezone.utc),
            status="failed",
            error=f"{type(exc).__name__}: {exc}",
        )
    if store is not None:
        store.record_finish(record)
    return record


def _execute(
    record: RunRecord, script: str, env_info: EnvInfo, timeout_s: float, kill_grace_s: float
) -> RunRecord:
    env = env_info.environ(record.config_name, record.hook, record.version)
    bash = shutil.which("bash", path=env.get("PATH")) or shutil.which("bash")
    cwd = Path(env_info.server_root)
    with (
        open(record.log_path, "ab") as log,
        tempfile.TemporaryDirectory(prefix="mlkit-lcc-") as tmp,
    ):
        script_path = Path(tmp) / f"{record.hook}.sh"
        script_path.write_text(script, encoding="utf-8")
        try:
            if bash is None:
                raise FileNotFoundError("bash was not found on PATH")
            proc = subprocess.Popen(
                [bash, str(script_path)],
                cwd=cwd if cwd.is_dir() else None,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so a timeout kills it all
            )
        except OSError as exc:
            msg = f"could not start the script: {exc}"
            log.write(f"[mlkit] {msg}\n".encode())
            return replace(
                record, finished_at=datetime.now(timezone.utc), status="failed", error=msg
            )
        try:
            code = proc.wait(timeout=timeout_s)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_process_group(proc, kill_grace_s)
            code = proc.returncode
        finished = datetime.now(timezone.utc)
        error = None
        if timed_out:
            error = f"killed after the {timeout_s:g} s time limit (with its whole process group)"
            log.write(f"\n[mlkit] {error}\n".encode())
        status = "timed_out" if timed_out else ("succeeded" if code == 0 else "failed")
        return replace(
            record,
            finished_at=finished,
            exit_code=code,
            timed_out=timed_out,
            status=status,
            error=error,
        )


def kill_process_group(proc: subprocess.Popen, grace_s: float = DEFAULT_KILL_GRACE_S) -> None:
    """SIGTERM the process group led by ``proc``, SIGKILL what is left after ``grace_s``."""
    pgid = proc.pid
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            proc.poll()  # reap the leader so it does not count as alive
            if not _group_alive(pgid):
                break
            time.sleep(0.05)
        else:
            continue
        break
    proc.wait(timeout=5)


def _group_alive(pgid: int) -> bool:
    """Whether any non-zombie process is still in the group (zombies cannot run any more)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        import psutil

        for p in psutil.process_iter(["status"]):
            try:
                if os.getpgid(p.pid) == pgid and p.info["status"] != psutil.STATUS_ZOMBIE:
                    return True
            except (ProcessLookupError, psutil.Error):
                continue
        return False
    except ImportError:  # pragma: no cover - psutil is a core dependency
        return True


# -- start-up -------------------------------------------------------------------------------------
@dataclass
class StartupResult:
    """What :func:`startup` did. ``runs`` in order; ``messages`` explain skipped hooks."""

    server: str
    config_name: str | None = None
    version: int | None = None
    runs: list[RunRecord] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(r.ok for r in self.runs)

    def to_dict(self) -> dict:
        return {
            "server": self.server,
            "config_name": self.config_name,
            "version": self.version,
            "runs": [r.to_dict() for r in self.runs],
            "messages": list(self.messages),
            "error": self.error,
            "ok": self.ok,
        }


def startup(
    store,
    env_info: EnvInfo,
    *,
    log_dir: str | Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    kill_grace_s: float = DEFAULT_KILL_GRACE_S,
) -> StartupResult:
    """Run the configuration attached to ``env_info.server_name``: on-create once, then on-start.

    on-create runs only if it never ran (or started) for this data directory and configuration;
    the claim is recorded before it runs. As on SageMaker, a failed on-create skips on-start.
    Never raises: problems end up in the result (and the run history) so the server keeps going.
    """
    result = StartupResult(server=env_info.server_name)
    log_dir = Path(log_dir) if log_dir is not None else default_log_dir(env_info.data_dir)
    try:
        # A policy written by an earlier on-start must not outlive a detached configuration;
        # the on-start below writes it again when it still applies.
        policy_path(env_info.data_dir).unlink(missing_ok=True)
        store.mark_interrupted(env_info.server_name)
        attachment = store.attachment(env_info.server_name)
        if attachment is None:
            result.messages.append("no lifecycle configuration is attached")
            return result
        stored = store.get(attachment.config_name)
        result.config_name, result.version = stored.name, stored.version
        config = stored.to_config()
        kw = dict(
            env_info=env_info,
            timeout_s=timeout_s,
            log_dir=log_dir,
            store=store,
            version=stored.version,
            kill_grace_s=kill_grace_s,
        )
        if config.on_create is not None:
            if store.claim_on_create(env_info.data_dir, stored.name, stored.version):
                run = run_hook(config, "on_create", **kw)
                store.finish_on_create(env_info.data_dir, stored.name, run)
                result.runs.append(run)
                if not run.ok:
                    result.messages.append(f"on-create {run.status}; on-start was not run")
                    return result
            else:
                result.messages.append("on-create already ran for this data directory")
        if config.on_start is not None:
            result.runs.append(run_hook(config, "on_start", **kw))
    except Exception as exc:  # the server must keep running whatever happens here
        result.error = f"{type(exc).__name__}: {exc}"
    return result


def startup_in_background(store, env_info: EnvInfo, **kwargs) -> Future:
    """Start :func:`startup` in a daemon thread; the returned future gives the StartupResult."""
    future: Future = Future()
    future.set_running_or_notify_cancel()

    def work() -> None:
        try:
            future.set_result(startup(store, env_info, **kwargs))
        except BaseException as exc:  # pragma: no cover - startup() does not raise
            future.set_exception(exc)

    threading.Thread(target=work, name="mlkit-lifecycle-startup", daemon=True).start()
    return future


def lifecycle_status(store, server: str) -> dict:
    """For the panel and ``status``: the attachment and the last run of each hook."""
    attachment = store.attachment(server)
    last = {}
    for hook in ("on_create", "on_start"):
        runs = store.runs(
            attachment.config_name if attachment else None, server=server, hook=hook, limit=1
        )
        last[hook] = runs[0].to_dict() if runs else None
    failed = [h for h, r in last.items() if r and r["status"] in ("failed", "timed_out")]
    return {
        "server": server,
        "attached": attachment.to_dict() if attachment else None,
        "last_runs": last,
        "failed_hooks": failed,
    }
