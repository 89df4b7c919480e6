"""Start/stop schedules: parsing and the action due at a given time."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jupyter_mlkit.lifecycle.schedule import InstanceSchedule, ScheduleError, due_action


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=timezone.utc)  # 2026-06-01 is a Monday


def test_weekdays_9_to_19():
    s = InstanceSchedule.parse("weekdays 9-19")
    assert s.days == frozenset(range(5))
    assert s.should_run(utc(1, 9)) and s.should_run(utc(5, 18, 59))
    assert not s.should_run(utc(1, 8, 59)) and not s.should_run(utc(1, 19))
    assert not s.should_run(utc(6, 12))  # Saturday
    assert due_action(s, utc(1, 9, 5), "Stopped") == "start"
    assert due_action(s, utc(1, 19, 5), "InService") == "stop"
    assert due_action(s, utc(1, 12), "InService") is None
    assert due_action(s, utc(1, 20), "Stopped") is None
    assert due_action(s, utc(1, 20), "Stopping") is None  # transitional: leave it


def test_day_lists_ranges_minutes_and_wraparound():
    s = InstanceSchedule.parse("mon,wed,fri-sun 8:30-17:45")
    assert s.days == frozenset({0, 2, 4, 5, 6})
    assert not s.should_run(utc(3, 8, 29)) and s.should_run(utc(3, 8, 30))
    assert s.should_run(utc(3, 17, 44)) and not s.should_run(utc(3, 17, 45))
    assert InstanceSchedule.parse("sat-mon 1-2").days == frozenset({5, 6, 0})
    assert InstanceSchedule.parse("Monday 1-2").days == frozenset({0})


def test_overnight_window_belongs_to_its_start_day():
    s = InstanceSchedule.parse("fri 22-6")
    assert s.should_run(utc(5, 23)) and s.should_run(utc(6, 5, 59))  # Fri night, Sat morning
    assert not s.should_run(utc(6, 6)) and not s.should_run(utc(5, 5))  # Fri morning: no


def test_time_zone():
    s = InstanceSchedule.parse("weekdays 9-17 Europe/Paris")  # UTC+2 in June
    assert s.should_run(utc(1, 7)) and not s.should_run(utc(1, 6, 59))
    assert not s.should_run(utc(1, 15))
    naive = datetime(2026, 6, 1, 7, 30)  # naive means UTC
    assert s.should_run(naive)
    assert s.to_dict() == {
        "text": "weekdays 9-17 Europe/Paris",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "start": "09:00",
        "stop": "17:00",
        "tz": "Europe/Paris",
    }


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("weekdays", "expected 'DAYS START-STOP"),
        ("someday 9-17", "days 'someday'"),
        ("mon 9to17", "hours '9to17'"),
        ("mon 25-3", "25:00 is not a time of day"),
        ("mon 9-9", "same time"),
        ("mon 9-17 Mars/Olympus", "unknown time zone"),
    ],
)
def test_bad_schedules_say_what_is_wrong(text, fragment):
    with pytest.raises(ScheduleError, match=fragment):
        InstanceSchedule.parse(text)
