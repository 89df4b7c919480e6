"""What a supervised spot run reports: SageMaker-like status, transitions, interruptions, costs."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class InterruptionRecord:
    attempt: int
    mode: str  # notice | kill | kill-save | external (the script exited "interrupted" by itself)
    time: float  # epoch seconds
    step: int | None  # last step the script reported before it stopped
    durable_step: int | None  # newest step known saved when it stopped
    lost_work_s: float  # training seconds since the last durable checkpoint, to be redone
    capacity_wait_s: float  # simulated wait for spot capacity before the restart
    saved_on_notice: bool  # the script saved and exited inside the notice window

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SpotJobResult:
    status: str  # Completed | Stopped | Failed (SageMaker's TrainingJobStatus)
    secondary_status: str
    secondary_transitions: list[dict[str, Any]]
    interruptions: list[InterruptionRecord]
    training_s: float
    billable_s: float
    savings_pct: float
    lost_work_s: float
    waited_s: float
    spot_s: float
    on_demand_s: float
    cost_usd: float
    on_demand_cost_usd: float
    attempts: int
    final_step: int | None
    exit_code: int | None
    failure_reason: str | None = None
    fell_back_to_on_demand: bool = False
    warnings: list[str] = field(default_factory=list)
    restores: list[dict[str, Any]] = field(default_factory=list)  # restore / skip events
    metrics: list[dict[str, Any]] = field(default_factory=list)
    log_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"{self.status} ({self.secondary_status}) after {self.attempts} attempt(s), "
            f"{len(self.interruptions)} interruption(s); training seconds {self.training_s:.1f}, "
            f"billable seconds {self.billable_s:.1f}, managed spot training savings "
            f"{self.savings_pct:.1f}%, work lost {self.lost_work_s:.1f} s"
        )


class Transitions:
    """SageMaker's SecondaryStatusTransitions: each status closes the previous one."""

    def __init__(self, on_event=None):
        self.items: list[dict[str, Any]] = []
        self.on_event = on_event
        self._lock = threading.Lock()  # the supervisor loop and the channel reader both report

    @property
    def current(self) -> str | None:
        return self.items[-1]["Status"] if self.items else None

    def go(self, status: str, message: str) -> None:
        with self._lock:
            now = time.time()
            if self.items and self.items[-1]["EndTime"] is None:
                self.items[-1]["EndTime"] = now
            item = {"Status": status, "StartTime": now, "EndTime": None, "StatusMessage": message}
            self.items.append(item)
        if self.on_event:
            self.on_event({"type": "transition", **item})

    def close(self) -> None:
        if self.items and self.items[-1]["EndTime"] is None:
            self.items[-1]["EndTime"] = time.time()
