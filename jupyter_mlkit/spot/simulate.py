"""A seeded spot-interruption simulator for the supervisor.

Each :class:`Interruption` says when (seconds of training into an attempt, counted from the moment
the script reported ready), how (``notice``: SIGTERM then a grace period; ``kill``: SIGKILL with no
notice, mid-step; ``kill-save``: SIGKILL as soon as the next checkpoint write begins), and how long
spot capacity then stays away (simulated wait before the restart).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

MODES = ("notice", "kill", "mixed")


@dataclass(frozen=True)
class Interruption:
    at_s: float
    mode: str  # "notice" | "kill" | "kill-save"
    capacity_wait_s: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class InterruptionPlan:
    """An ordered list of interruptions, or a Poisson process; consumed one attempt at a time."""

    def __init__(
        self,
        interruptions: list[Interruption] | None = None,
        *,
        rate_per_hour: float | None = None,
        mode: str = "notice",
        seed: int = 0,
        wait_s: tuple[float, float] = (0.0, 0.0),
        max_n: int | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if rate_per_hour is not None and rate_per_hour <= 0:
            raise ValueError(f"rate_per_hour must be > 0, got {rate_per_hour}")
        self._fixed = list(interruptions or [])
        self.rate_per_hour = rate_per_hour
        self.mode = mode
        self.wait_s = wait_s
        self.max_n = max_n
        self._rng = random.Random(seed)
        self.used = 0

    @classmethod
    def random(
        cls,
        n: int,
        *,
        seed: int = 0,
        mode: str = "mixed",
        window_s: tuple[float, float] = (0.3, 1.5),
        wait_s: tuple[float, float] = (1.0, 5.0),
    ) -> InterruptionPlan:
        """``n`` interruptions, each at a uniform time within ``window_s`` of an attempt.

        Modes: "notice", "kill" (half mid-step, half mid-save), or "mixed" (half notice, then the
        kills split as above); counts are exact and the order is shuffled by ``seed``.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        rng = random.Random(seed)
        n_notice = n if mode == "notice" else (n - n // 2 if mode == "mixed" else 0)
        n_kill = n - n_notice
        kinds = ["notice"] * n_notice + ["kill", "kill-save"] * (n_kill // 2)
        kinds += ["kill"] * (n_kill % 2)
        rng.shuffle(kinds)
        items = [Interruption(rng.uniform(*window_s), kind, rng.uniform(*wait_s)) for kind in kinds]
        return cls(items, mode=mode, seed=seed, wait_s=wait_s)

    def next(self) -> Interruption | None:
        """The interruption for the next attempt, or None (this attempt runs undisturbed)."""
        if self.max_n is not None and self.used >= self.max_n:
            return None
        if self.rate_per_hour is None:
            if self.used >= len(self._fixed):
                return None
            item = self._fixed[self.used]
        else:
            at = self._rng.expovariate(self.rate_per_hour / 3600.0)  # memoryless per attempt
            kind = self.mode
            if kind == "mixed":
                kind = self._rng.choice(["notice", "kill", "kill-save"])
            elif kind == "kill":
                kind = self._rng.choice(["kill", "kill-save"])
            item = Interruption(at, kind, self._rng.uniform(*self.wait_s))
        self.used += 1
        return item

    def remaining(self) -> int | None:
        if self.rate_per_hour is not None:
            return None if self.max_n is None else self.max_n - self.used
        return len(self._fixed) - self.used
