"""The SQLite store: CRUD with versions, attachment, on-create bookkeeping, run history."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest

from jupyter_mlkit.lifecycle import (
    LifecycleConfig,
    LifecycleConfigError,
    LifecycleNotFound,
    LifecycleStore,
    RunRecord,
)


@pytest.fixture
def store(tmp_path) -> LifecycleStore:
    return LifecycleStore(tmp_path / "lc.sqlite")


def count_rows(path, table) -> int:
    with sqlite3.connect(path) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_create_get_list(store):
    store.create(LifecycleConfig("beta", on_start="echo b\n"), description="second")
    stored = store.create(LifecycleConfig("alpha", on_create="echo a\n"))
    assert (stored.name, stored.version, stored.latest_version) == ("alpha", 1, 1)
    got = store.get("alpha")
    assert got.on_create == "echo a\n" and got.on_start is None
    assert got.created_at.tzinfo is timezone.utc
    assert [c.name for c in store.list()] == ["alpha", "beta"]
    assert store.get("beta").description == "second"


def test_duplicate_name_is_an_error(store):
    store.create(LifecycleConfig("dup", on_start="true\n"))
    with pytest.raises(LifecycleConfigError, match="already exists"):
        store.create(LifecycleConfig("dup", on_start="false\n"))
    assert store.get("dup").on_start == "true\n"


def test_update_keeps_versions(store):
    store.create(LifecycleConfig("cfg", on_start="echo 1\n"))
    v2 = store.update(LifecycleConfig("cfg", on_start="echo 2\n"))
    assert v2.version == 2
    same = store.update(LifecycleConfig("cfg", on_start="echo 2\n"))
    assert same.version == 2  # unchanged scripts add no version
    store.update(LifecycleConfig("cfg", on_start="echo 3\n", on_create="echo c\n"))
    assert [v.on_start for v in store.versions("cfg")] == ["echo 1\n", "echo 2\n", "echo 3\n"]
    assert store.get("cfg").version == 3
    assert store.get("cfg", version=1).on_start == "echo 1\n"
    assert [c.version for c in store.list()] == [3]
    with pytest.raises(LifecycleNotFound, match="no version 9"):
        store.get("cfg", version=9)


def test_invalid_config_saves_nothing(store, tmp_path):
    with pytest.raises(LifecycleConfigError):
        store.create(LifecycleConfig("bad", on_start="if then\n"))
    store.create(LifecycleConfig("ok", on_start="true\n"))
    with pytest.raises(LifecycleConfigError):
        store.update(LifecycleConfig("ok", on_start="echo x\r\n"))
    db = tmp_path / "lc.sqlite"
    assert count_rows(db, "lifecycle_config") == 1
    assert count_rows(db, "lifecycle_config_version") == 1
    assert not store.exists("bad")


def test_save_creates_then_updates(store):
    assert store.save(LifecycleConfig("s", on_start="true\n")).version == 1
    assert store.save(LifecycleConfig("s", on_start="false\n")).version == 2


def test_missing_config_errors(store):
    with pytest.raises(LifecycleNotFound):
        store.get("nope")
    with pytest.raises(LifecycleNotFound):
        store.update(LifecycleConfig("nope", on_start="true\n"))
    with pytest.raises(LifecycleNotFound):
        store.delete("nope")
    with pytest.raises(LifecycleNotFound):
        store.attach("nope", "srv")


def test_attach_detach_and_delete_rules(store, tmp_path):
    store.create(LifecycleConfig("a", on_start="true\n"))
    store.create(LifecycleConfig("b", on_start="true\n"))
    assert store.attachment("srv") is None
    store.attach("a", "srv")
    store.attach("b", "srv")  # replaces
    assert store.attachment("srv").config_name == "b"
    with pytest.raises(LifecycleConfigError, match="attached to srv; detach it first"):
        store.delete("b")
    assert store.detach("srv") is True
    assert store.detach("srv") is False
    store.attach("b", "srv")
    store.delete("b", force=True)
    assert store.attachment("srv") is None
    assert not store.exists("b")
    assert count_rows(tmp_path / "lc.sqlite", "lifecycle_config_version") == 1


def test_on_create_claim_once_per_data_dir(store, tmp_path):
    d1, d2 = tmp_path / "data1", tmp_path / "data2"
    assert store.claim_on_create(d1, "cfg", 1) is True
    assert store.claim_on_create(d1, "cfg", 2) is False
    assert (
        store.claim_on_create(str(d1) + "/.", "cfg", 2) is False
    )  # same directory, other spelling
    assert store.claim_on_create(d2, "cfg", 1) is True
    assert store.on_create_done(d1, "cfg") and not store.on_create_done(d1, "other")
    assert store.reset_on_create(d1) == 1
    assert store.claim_on_create(d1, "cfg", 2) is True


def test_run_history_rows_and_log_reading(store, tmp_path):
    log = tmp_path / "run.log"
    log.write_text("hello\nworld\n")
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    rec = store.record_start(
        RunRecord("cfg", "on_start", "srv", "srv/LifecycleConfigOnStart", str(log), start)
    )
    assert rec.id is not None and store.get_run(rec.id).status == "running"
    from dataclasses import replace

    done = replace(rec, finished_at=start.replace(second=9), exit_code=3, status="failed")
    store.record_finish(done)
    got = store.get_run(rec.id)
    assert (got.exit_code, got.status, got.timed_out, got.duration_s) == (3, "failed", False, 4.0)
    assert got.started_at == start
    assert [r.id for r in store.runs("cfg")] == [rec.id]
    assert store.runs("cfg", hook="on-create") == []
    chunk = store.read_log(rec.id, offset=6, max_bytes=100)
    assert chunk == {"text": "world\n", "offset": 6, "next_offset": 12, "size": 12, "eof": True}


def test_tables_are_in_the_project_database(monkeypatch, tmp_path):
    # No path: the store opens the project's database (MLKIT_DB, set per test by conftest).
    store = LifecycleStore()
    store.create(LifecycleConfig("x", on_start="true\n"))
    import os

    assert count_rows(os.environ["MLKIT_DB"], "lifecycle_config") == 1
    assert store.db.schema_versions()["lifecycle"] == 1
