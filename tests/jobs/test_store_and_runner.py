"""The job system on a real SQLite file with real worker processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import psutil
import pytest
from sqlalchemy import text

from jupyter_mlkit.db import open_db
from jupyter_mlkit.errors import BadParameters, Conflict, NotFound, UnknownJobKind
from jupyter_mlkit.jobs import JobManager, JobStore, cancel_job, start_job, wait_for


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "jobs.sqlite")


@pytest.fixture
def csv(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n2,\n,z\n")
    return path


def test_profile_job_from_start_to_result(db, tmp_path, csv):
    job = start_job("profile", {"path": "t.csv"}, root_dir=tmp_path, origin="cli", db=db)
    assert job["state"] == "queued" and job["origin"] == "cli"
    done = wait_for(job["id"], db=db, timeout_s=60)
    assert done["state"] == "completed"
    assert done["result"]["rows"] == 3
    cols = {c["name"]: c for c in done["result"]["columns"]}
    assert cols["a"]["null_count"] == 1 and cols["b"]["null_count"] == 1
    assert done["started_at"] <= done["finished_at"]


def test_invalid_jobs_leave_no_row(db, tmp_path):
    store = JobStore(db)
    with pytest.raises(UnknownJobKind):
        store.create("nope", {}, root_dir=tmp_path)
    with pytest.raises(BadParameters):
        store.create("profile", {}, root_dir=tmp_path)
    with pytest.raises(NotFound):
        store.create("profile", {"path": "missing.csv"}, root_dir=tmp_path)
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(BadParameters, match="expected a .csv"):
        store.create("profile", {"path": "notes.txt"}, root_dir=tmp_path)
    assert store.list()["total"] == 0


def test_unreadable_file_fails_with_message(db, tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"this is not parquet")
    job = start_job("profile", {"path": "bad.parquet"}, root_dir=tmp_path, origin="cli", db=db)
    done = wait_for(job["id"], db=db, timeout_s=60)
    assert done["state"] == "failed"
    assert "cannot read 'bad.parquet'" in done["error"]["message"]


def test_cancel_kills_children_and_is_final(db, tmp_path):
    job = start_job(
        "sleep",
        {"seconds": 60, "steps": 600, "spawn_child": True},
        root_dir=tmp_path,
        origin="cli",
        db=db,
    )
    store = JobStore(db)
    deadline = time.monotonic() + 30
    while "child pid" not in store.tail_log(job["id"]):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    child = int(store.tail_log(job["id"]).split("child pid ")[1].split()[0])
    worker_pid, _ = store.process_of(job["id"])
    cancelled = cancel_job(job["id"], db=db, grace_s=2)
    assert cancelled["state"] == "cancelled"
    for pid in (child, worker_pid):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    # the worker's own exit path must not overwrite the cancel
    time.sleep(0.5)
    assert store.get(job["id"])["state"] == "cancelled"
    with pytest.raises(Conflict):
        store.cancel(job["id"])


def test_worker_killed_by_sigkill_is_noticed(db, tmp_path):
    job = start_job("sleep", {"seconds": 60}, root_dir=tmp_path, origin="cli", db=db)
    store = JobStore(db)
    deadline = time.monotonic() + 30
    while store.get(job["id"])["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pid, _ = store.process_of(job["id"])
    psutil.Process(pid).send_signal(signal.SIGKILL)
    done = wait_for(job["id"], db=db, timeout_s=30)
    assert done["state"] == "failed" and done["error"]["code"] == "worker_died"


def test_server_restart_marks_running_jobs_interrupted(db, tmp_path):
    """A job a previous server started is stopped and marked interrupted, then re-runnable."""
    store = JobStore(db)
    job = store.create("sleep", {"seconds": 60}, root_dir=tmp_path, origin="api")
    first = JobManager(db, max_concurrent=1)
    first.tick()
    deadline = time.monotonic() + 30
    while store.get(job["id"])["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pid, _ = store.process_of(job["id"])
    # The "old server" vanishes without shutting down; a new one starts on the same database.
    second = JobManager(db, max_concurrent=1)
    assert second.recover() == [job["id"]]
    after = store.get(job["id"])
    assert after["state"] == "interrupted"
    assert "restarted" in after["error"]["message"]
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    rerun = store.rerun(job["id"])
    assert rerun["parent_id"] == job["id"] and rerun["parameters"] == after["parameters"]


def test_dead_worker_row_is_interrupted_on_recover(db, tmp_path):
    store = JobStore(db)
    job = store.create("sleep", {"seconds": 1}, root_dir=tmp_path, origin="cli")
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert store.claim(job["id"], proc.pid, psutil.Process().create_time())
    assert JobManager(db).recover() == [job["id"]]
    assert store.get(job["id"])["state"] == "interrupted"


def test_list_is_paged_and_filtered(db, tmp_path):
    store = JobStore(db)
    ids = [store.create("sleep", {"seconds": 0}, root_dir=tmp_path)["id"] for _ in range(5)]
    page = store.list(limit=2, offset=1)
    assert page["total"] == 5 and len(page["jobs"]) == 2
    assert store.list(kind="profile")["total"] == 0
    assert store.list(state="queued")["total"] == 5
    assert {j["id"] for j in store.list(limit=10)["jobs"]} == set(ids)
    with pytest.raises(BadParameters):
        store.list(limit=0)


def test_schema_version_recorded_and_migrations_run_once(tmp_path):
    from jupyter_mlkit import db as dbmod

    path = tmp_path / "m.sqlite"
    first = open_db(path)
    assert first.schema_versions()["jobs"] >= 1
    store = JobStore(first)
    job = store.create("sleep", {"seconds": 0}, root_dir=tmp_path)
    calls = []

    def add_column(conn):
        calls.append(1)
        conn.execute(text("ALTER TABLE jobs ADD COLUMN note TEXT DEFAULT ''"))

    try:
        dbmod.register_migration("jobs-test", 1)
        first.upgrade()
        dbmod.register_migration("jobs-test", 2, add_column)
        first.upgrade()
        first.upgrade()
        assert calls == [1]
        assert first.schema_versions()["jobs-test"] == 2
        assert store.get(job["id"])["id"] == job["id"]  # rows survive the migration
    finally:
        dbmod._MIGRATIONS.pop("jobs-test", None)
        dbmod._LATEST.pop("jobs-test", None)
