"""Start/stop schedules for notebook instances, as data.

A schedule is a short text such as ``"weekdays 9-19"``, ``"mon,wed,fri 8:30-17"``,
``"daily 22-6 Europe/Paris"`` (a window past midnight belongs to the day it starts on). It
says when an instance should be running; :func:`due_action` compares that with the instance's
state and answers ``"start"``, ``"stop"`` or ``None``. Something periodic (the server extension,
a cron job, the CLI) calls it and performs the action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_GROUPS = {
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_TIME = r"(\d{1,2})(?::(\d{2}))?"


class ScheduleError(ValueError):
    """A schedule text that cannot be understood."""


@dataclass(frozen=True)
class InstanceSchedule:
    days: frozenset[int]  # 0 = Monday
    start: time
    stop: time
    tz: str = "UTC"
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> InstanceSchedule:
        parts = text.split()
        if len(parts) not in (2, 3):
            raise ScheduleError(
                f"schedule {text!r}: expected 'DAYS START-STOP [TIMEZONE]', "
                "e.g. 'weekdays 9-19' or 'mon,wed 8:30-17 Europe/Paris'"
            )
        days = _parse_days(parts[0], text)
        m = re.fullmatch(f"{_TIME}-{_TIME}", parts[1])
        if not m:
            raise ScheduleError(
                f"schedule {text!r}: hours {parts[1]!r} are not like 9-19 or 8:30-17:45"
            )
        start, stop = _hm(m.group(1), m.group(2), text), _hm(m.group(3), m.group(4), text)
        if start == stop:
            raise ScheduleError(f"schedule {text!r}: start and stop are the same time")
        tz = parts[2] if len(parts) == 3 else "UTC"
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(f"schedule {text!r}: unknown time zone {tz!r}") from None
        return cls(days, start, stop, tz, text)

    def should_run(self, at: datetime) -> bool:
        """Whether the instance should be running at ``at`` (naive means UTC)."""
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        local = at.astimezone(ZoneInfo(self.tz))
        now = local.time().replace(tzinfo=None)
        if self.start < self.stop:
            return local.weekday() in self.days and self.start <= now < self.stop
        # Past midnight: the evening part belongs to today, the morning part to yesterday.
        if now >= self.start:
            return local.weekday() in self.days
        yesterday = (local - timedelta(days=1)).weekday()
        return now < self.stop and yesterday in self.days

    def to_dict(self) -> dict:
        return {
            "text": self.text or str(self),
            "days": [DAYS[d] for d in sorted(self.days)],
            "start": self.start.strftime("%H:%M"),
            "stop": self.stop.strftime("%H:%M"),
            "tz": self.tz,
        }

    def __str__(self) -> str:
        days = ",".join(DAYS[d] for d in sorted(self.days))
        return f"{days} {self.start:%H:%M}-{self.stop:%H:%M} {self.tz}"


def due_action(schedule: InstanceSchedule, at: datetime, state: str) -> str | None:
    """``"start"`` when it should run and is Stopped, ``"stop"`` when it should not and is
    InService, else None (transitional states are left alone)."""
    want = schedule.should_run(at)
    if want and state == "Stopped":
        return "start"
    if not want and state == "InService":
        return "stop"
    return None


def _parse_days(spec: str, text: str) -> frozenset[int]:
    spec = spec.lower()
    if spec in _GROUPS:
        return _GROUPS[spec]
    out: set[int] = set()
    for piece in spec.split(","):
        ends = piece.split("-")
        idx = [_day_index(e) for e in ends]
        if None in idx or len(idx) not in (1, 2):
            raise ScheduleError(
                f"schedule {text!r}: days {piece!r} are not like 'mon', "
                "'mon-fri', 'weekdays', 'weekends' or 'daily'"
            )
        a, b = idx[0], idx[-1]
        out.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(out)


_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day_index(word: str) -> int | None:
    if word in DAYS:
        return DAYS.index(word)
    return _FULL.index(word) if word in _FULL else None


def _hm(h: str, m: str | None, text: str) -> time:
    hour, minute = int(h), int(m or 0)
    if hour == 24 and minute == 0:
        return time(23, 59, 59)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"schedule {text!r}: {h}:{m or '00'} is not a time of day")
    return time(hour, minute)
