"""The error raised for a DQDL document that cannot be parsed, and the literal formats."""

from __future__ import annotations

import re

MAX_LABELS = 10
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?: (AM|PM))?$")


class DQDLSyntaxError(ValueError):
    """A DQDL document that cannot be parsed. ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1):
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"line {line}, column {column}: {message}")

    def to_dict(self) -> dict:
        return {"message": self.message, "line": self.line, "column": self.column}


def is_date_text(s: str) -> bool:
    return bool(DATE_RE.match(s))


def is_time_text(s: str) -> bool:
    m = TIME_RE.match(s)
    if not m:
        return False
    hour, minute, ampm = int(m.group(1)), int(m.group(2)), m.group(3)
    if minute > 59:
        return False
    return 1 <= hour <= 12 if ampm else 0 <= hour <= 23
