"""Cron schedules: due runs, the skip and catch-up policies, pausing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jupyter_mlkit.db import open_db
from jupyter_mlkit.errors import BadParameters
from jupyter_mlkit.jobs import JobStore, ScheduleStore

T0 = datetime(2026, 11, 28, 8, 0, 30, tzinfo=timezone.utc)


@pytest.fixture
def schedules(tmp_path):
    return ScheduleStore(open_db(tmp_path / "s.sqlite"))


def make(schedules, tmp_path, policy):
    return schedules.create(
        kind="sleep",
        parameters={"seconds": 0},
        cron="*/5 * * * *",
        policy=policy,
        root_dir=tmp_path,
        now=T0,
    )


def test_next_run_is_computed_from_cron(schedules, tmp_path):
    s = make(schedules, tmp_path, "skip")
    assert s["next_run_at"].startswith("2026-11-28T08:05:00")


def test_nothing_due_before_next_run(schedules, tmp_path):
    make(schedules, tmp_path, "skip")
    assert schedules.run_due(T0 + timedelta(minutes=4)) == []


def test_skip_policy_runs_once_and_counts_missed(schedules, tmp_path):
    s = make(schedules, tmp_path, "skip")
    created = schedules.run_due(T0 + timedelta(minutes=21))  # 08:05, :10, :15, :20 missed
    assert len(created) == 1
    assert created[0]["scheduled_for"].startswith("2026-11-28T08:20:00")
    after = schedules.get(s["id"])
    assert after["runs"] == 1 and after["skipped"] == 3
    assert after["next_run_at"].startswith("2026-11-28T08:25:00")
    jobs = JobStore(schedules.db).list(schedule_id=s["id"])
    assert jobs["total"] == 1 and jobs["jobs"][0]["origin"] == "schedule"


def test_catch_up_policy_runs_every_missed_time(schedules, tmp_path):
    s = make(schedules, tmp_path, "catch_up")
    created = schedules.run_due(T0 + timedelta(minutes=21))
    assert [c["scheduled_for"][11:16] for c in created] == ["08:05", "08:10", "08:15", "08:20"]
    assert schedules.get(s["id"])["skipped"] == 0


def test_paused_schedule_does_not_run_and_resumes_forward(schedules, tmp_path):
    s = make(schedules, tmp_path, "catch_up")
    schedules.set_enabled(s["id"], False)
    assert schedules.run_due(T0 + timedelta(hours=1)) == []
    resumed = schedules.set_enabled(s["id"], True, now=T0 + timedelta(hours=1))
    assert resumed["next_run_at"].startswith("2026-11-28T09:05:00")


def test_bad_schedules_are_rejected_without_rows(schedules, tmp_path):
    with pytest.raises(BadParameters, match="cron"):
        schedules.create(kind="sleep", parameters={}, cron="sometimes", root_dir=tmp_path)
    with pytest.raises(BadParameters, match="policy"):
        schedules.create(
            kind="sleep", parameters={}, cron="* * * * *", policy="x", root_dir=tmp_path
        )
    with pytest.raises(BadParameters):
        schedules.create(
            kind="sleep", parameters={"seconds": -5}, cron="* * * * *", root_dir=tmp_path
        )
    assert schedules.list() == []
