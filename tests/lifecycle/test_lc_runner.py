"""run_hook and startup with real bash processes, process groups and signals."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import pytest

from jupyter_mlkit.lifecycle import (
    EnvInfo,
    LifecycleConfig,
    LifecycleConfigError,
    LifecycleStore,
    lifecycle_status,
    run_hook,
    startup,
    startup_in_background,
)
from jupyter_mlkit.lifecycle.idle import policy_path


@pytest.fixture
def env(tmp_path) -> EnvInfo:
    root = tmp_path / "root"
    root.mkdir()
    return EnvInfo(
        server_name="nb-1",
        server_root=str(root),
        data_dir=str(tmp_path / "data"),
        port=8899,
        user="alice",
    )


@pytest.fixture
def store(tmp_path) -> LifecycleStore:
    return LifecycleStore(tmp_path / "lc.sqlite")


def gone(pid: int) -> bool:
    """Dead, or a zombie waiting for init to reap it (it can no longer run)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_environment_working_dir_and_log(env, tmp_path):
    script = (
        "echo out-line\n"
        "echo err-line >&2\n"
        'printf "%s\\n" "$MLKIT_SERVER_ROOT" "$MLKIT_SERVER_PORT" "$MLKIT_SERVER_URL" '
        '"$MLKIT_DATA_DIR" "$USER" "$MLKIT_LIFECYCLE_HOOK" "$MLKIT_LIFECYCLE_CONFIG" '
        '"$MLKIT_LOG_STREAM" "$PWD" > "$MLKIT_SERVER_ROOT/env.txt"\n'
    )
    rec = run_hook(
        LifecycleConfig("envcheck", on_start=script),
        "on-start",
        env_info=env,
        log_dir=tmp_path / "logs",
    )
    assert (rec.status, rec.exit_code, rec.timed_out) == ("succeeded", 0, False)
    assert rec.log_stream == "nb-1/LifecycleConfigOnStart"
    assert Path(rec.log_path).parent == tmp_path / "logs" / "nb-1" / "LifecycleConfigOnStart"
    assert Path(rec.log_path).read_text() == "out-line\nerr-line\n"
    lines = (Path(env.server_root) / "env.txt").read_text().splitlines()
    assert lines == [
        env.server_root,
        "8899",
        "http://127.0.0.1:8899/",
        env.data_dir,
        "alice",
        "on-start",
        "envcheck",
        "nb-1/LifecycleConfigOnStart",
        env.server_root,
    ]


def test_failure_is_recorded_not_raised(env, tmp_path, store):
    rec = run_hook(
        LifecycleConfig("fails", on_create="echo boom\nexit 7\n"),
        "on_create",
        env_info=env,
        log_dir=tmp_path / "logs",
        store=store,
    )
    assert (rec.status, rec.exit_code) == ("failed", 7)
    row = store.get_run(rec.id)
    assert (row.status, row.exit_code, row.hook) == ("failed", 7, "on_create")
    assert row.log_stream == "nb-1/LifecycleConfigOnCreate"
    assert store.read_log(rec.id)["text"] == "boom\n"


def test_missing_hook_is_an_error(env, tmp_path):
    with pytest.raises(LifecycleConfigError, match="on-create has no script"):
        run_hook(
            LifecycleConfig("x", on_start="true\n"), "on-create", env_info=env, log_dir=tmp_path
        )
    with pytest.raises(ValueError, match="unknown hook"):
        run_hook(LifecycleConfig("x", on_start="true\n"), "on-stop", env_info=env, log_dir=tmp_path)


def test_timeout_kills_the_whole_process_group(env, tmp_path, store):
    # The parent starts a child sleep that would outlive it, then sleeps itself.
    child_pid_file = tmp_path / "child.pid"
    script = (
        f"sleep 120 &\necho $! > {child_pid_file}\necho started\nsleep 120\necho never-reached\n"
    )
    rec = run_hook(
        LifecycleConfig("slow", on_start=script),
        "on_start",
        env_info=env,
        log_dir=tmp_path / "logs",
        timeout_s=1.5,
        kill_grace_s=2,
        store=store,
    )
    assert rec.timed_out and rec.status == "timed_out"
    assert rec.exit_code == -signal.SIGTERM
    child = int(child_pid_file.read_text())
    assert gone(child), "the child sleep outlived the timed-out script"
    log = Path(rec.log_path).read_text()
    assert log.startswith("started\n") and "never-reached" not in log
    assert "killed after the 1.5 s time limit" in log
    assert store.get_run(rec.id).timed_out is True


def test_timeout_escalates_to_sigkill_when_term_is_ignored(env, tmp_path):
    pid_file = tmp_path / "child.pid"
    script = f"trap '' TERM\nsleep 120 &\necho $! > {pid_file}\nsleep 120\n"
    rec = run_hook(
        LifecycleConfig("stubborn", on_start=script),
        "on_start",
        env_info=env,
        log_dir=tmp_path,
        timeout_s=1,
        kill_grace_s=0.5,
    )
    assert rec.timed_out and rec.exit_code == -signal.SIGKILL
    assert gone(int(pid_file.read_text()))


def test_background_work_of_a_finished_script_survives(env, tmp_path):
    # SageMaker's samples push long work to the background with nohup ... &: it must keep going.
    pid_file = tmp_path / "bg.pid"
    rec = run_hook(
        LifecycleConfig("bg", on_start=f"nohup sleep 30 >/dev/null 2>&1 &\necho $! > {pid_file}\n"),
        "on_start",
        env_info=env,
        log_dir=tmp_path,
        timeout_s=20,
    )
    pid = int(pid_file.read_text())
    try:
        assert rec.ok and not gone(pid)
    finally:
        os.kill(pid, signal.SIGKILL)


def test_startup_runs_on_create_once_and_on_start_each_time(env, tmp_path, store):
    root = Path(env.server_root)
    store.create(
        LifecycleConfig(
            "setup",
            on_create=f"echo create >> {root}/calls.txt\n",
            on_start=f"echo start >> {root}/calls.txt\n",
        )
    )
    store.attach("setup", "nb-1")
    first = startup(store, env, log_dir=tmp_path / "logs")
    second = startup(store, env, log_dir=tmp_path / "logs")
    assert (root / "calls.txt").read_text() == "create\nstart\nstart\n"
    assert [r.hook for r in first.runs] == ["on_create", "on_start"] and first.ok
    assert [r.hook for r in second.runs] == ["on_start"]
    assert second.messages == ["on-create already ran for this data directory"]
    assert store.run_count("setup", "on_create") == 1 and store.run_count("setup", "on_start") == 2
    status = lifecycle_status(store, "nb-1")
    assert status["attached"]["config_name"] == "setup" and status["failed_hooks"] == []
    assert status["last_runs"]["on_start"]["status"] == "succeeded"


def test_failed_on_create_skips_on_start_and_never_reruns(env, tmp_path, store):
    root = Path(env.server_root)
    store.create(
        LifecycleConfig("broken", on_create="exit 3\n", on_start=f"touch {root}/started\n")
    )
    store.attach("broken", "nb-1")
    res = startup(store, env, log_dir=tmp_path)
    assert not res.ok and res.messages == ["on-create failed; on-start was not run"]
    assert not (root / "started").exists()
    assert lifecycle_status(store, "nb-1")["failed_hooks"] == ["on_create"]
    res2 = startup(store, env, log_dir=tmp_path)
    assert [r.hook for r in res2.runs] == ["on_start"] and (root / "started").exists()


def test_startup_without_attachment_and_policy_cleanup(env, tmp_path, store):
    stale = policy_path(env.data_dir)
    stale.parent.mkdir(parents=True)
    stale.write_text('{"idle_seconds": 5}')
    res = startup(store, env, log_dir=tmp_path)
    assert res.runs == [] and res.messages == ["no lifecycle configuration is attached"]
    assert not stale.exists()  # a detached configuration's idle policy does not linger


def test_startup_never_raises(env, tmp_path, store):
    class Broken:
        def __getattr__(self, name):
            raise RuntimeError("database is locked")

    res = startup(Broken(), env, log_dir=tmp_path)
    assert res.error == "RuntimeError: database is locked" and not res.ok


def test_startup_in_background_returns_at_once(env, tmp_path, store):
    root = Path(env.server_root)
    store.create(
        LifecycleConfig(
            "slowstart", on_start=f"while [ ! -e {root}/go ]; do sleep 0.05; done\necho done\n"
        )
    )
    store.attach("slowstart", "nb-1")
    future = startup_in_background(store, env, log_dir=tmp_path, timeout_s=30)
    # The script waits for a file we have not created yet, so the call cannot have waited for it.
    assert not future.done()
    deadline = time.monotonic() + 10
    while not store.runs("slowstart") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.runs("slowstart")[0].status == "running"  # visible to the panel while it runs
    (root / "go").touch()
    result = future.result(timeout=30)
    assert result.ok and Path(result.runs[0].log_path).read_text() == "done\n"


def test_runs_left_running_by_a_dead_server_are_marked_at_startup(env, tmp_path, store):
    from datetime import datetime, timezone

    from jupyter_mlkit.lifecycle import RunRecord

    stale = store.record_start(
        RunRecord(
            "old",
            "on_start",
            "nb-1",
            "nb-1/LifecycleConfigOnStart",
            str(tmp_path / "x.log"),
            datetime.now(timezone.utc),
        )
    )
    other = store.record_start(
        RunRecord(
            "old",
            "on_start",
            "nb-2",
            "nb-2/LifecycleConfigOnStart",
            str(tmp_path / "y.log"),
            datetime.now(timezone.utc),
        )
    )
    startup(store, env, log_dir=tmp_path)
    got = store.get_run(stale.id)
    assert got.status == "failed" and got.error == "the server stopped while the script was running"
    assert store.get_run(other.id).status == "running"  # another server's run is left alone
