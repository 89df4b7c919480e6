"""Pick the winner from measured candidates. Pure functions: no torch, no tensorflow."""

from __future__ import annotations

import math
from typing import Any

from .report import CandidateResult

MARGIN = 0.05  # a candidate must beat eager by at least this fraction ("never slower")
MAX_SLOWDOWN = 1.3  # the memory objective accepts at most this much slower than eager
OBJECTIVES = ("speed", "memory", "balanced")


def choose(results: list[CandidateResult], objective: str) -> tuple[str, str]:
    """Return (name, reason). Falls back to 'eager' unless a valid candidate wins clearly."""
    eager = next(r for r in results if r.name == "eager")
    if eager.status != "ok":
        return "eager", f"the training step fails eagerly ({eager.error}); nothing was changed"
    valid = [r for r in results if r.name != "eager" and r.status == "ok" and r.numerics_ok]
    tried = [r for r in results if r.name != "eager" and r.status != "skipped"]
    if not valid:
        if not tried:
            return "eager", "no other candidate was tried (budget or candidate list)"
        return "eager", "every other candidate failed, was rejected or skipped"
    es, em = eager.step_s or math.inf, eager.peak_mem_bytes

    def speed_ratio(r: CandidateResult) -> float:
        return (r.step_s or math.inf) / es

    def mem_ratio(r: CandidateResult) -> float:
        if em is None or r.peak_mem_bytes is None:
            return 1.0
        return r.peak_mem_bytes / em

    if objective == "speed":
        best = min(valid, key=speed_ratio)
        if speed_ratio(best) <= 1 - MARGIN:
            return best.name, (
                f"{best.name} runs a step in {best.step_s * 1000:.2f} ms vs eager "
                f"{es * 1000:.2f} ms ({1 / speed_ratio(best):.2f}x), losses agree within "
                f"{best.tolerance:g}"
            )
        return "eager", (
            f"no candidate beat eager by {MARGIN:.0%} (best: {best.name} at "
            f"{1 / speed_ratio(best):.2f}x), so eager stays"
        )
    ok_speed = [r for r in valid if speed_ratio(r) <= MAX_SLOWDOWN]
    if objective == "memory":
        if ok_speed:
            best = min(ok_speed, key=lambda r: (mem_ratio(r), speed_ratio(r)))
            if mem_ratio(best) <= 1 - MARGIN:
                return best.name, (
                    f"{best.name} lowers peak memory by {1 - mem_ratio(best):.0%} at "
                    f"{1 / speed_ratio(best):.2f}x eager speed"
                )
        return "eager", (
            f"no candidate saved {MARGIN:.0%} of peak memory while staying within "
            f"{MAX_SLOWDOWN:.1f}x of eager step time"
        )
    if objective == "balanced":
        if ok_speed:
            best = min(ok_speed, key=lambda r: speed_ratio(r) * mem_ratio(r))
            score = speed_ratio(best) * mem_ratio(best)
            if score <= 1 - MARGIN:
                return best.name, (
                    f"{best.name} has the best time x memory product ({score:.2f} of eager): "
                    f"{1 / speed_ratio(best):.2f}x speed, {1 - mem_ratio(best):+.0%} memory saved"
                )
        return "eager", f"no candidate improved time x memory by {MARGIN:.0%}"
    raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")


def break_even(compile_s: float, eager_step_s: float | None, step_s: float | None) -> int | None:
    """Steps after which the compile time is paid back; None when the step is not faster."""
    if eager_step_s is None or step_s is None:
        return None
    if compile_s <= 0:
        return 0
    gain = eager_step_s - step_s
    if gain <= 0:
        return None
    return math.ceil(compile_s / gain)


def outcome_fields(eager: Any, chosen: Any, compile_s: float) -> dict[str, Any]:
    """The CompileReport fields that compare the chosen candidate with eager (both frameworks)."""
    return {
        "eager_step_s": eager.step_s,
        "step_s": chosen.step_s,
        "speedup": (eager.step_s / chosen.step_s) if eager.step_s and chosen.step_s else None,
        "peak_mem_eager_bytes": eager.peak_mem_bytes,
        "peak_mem_bytes": chosen.peak_mem_bytes,
        "compile_s": compile_s,
        "break_even_steps": break_even(compile_s, eager.step_s, chosen.step_s),
    }
