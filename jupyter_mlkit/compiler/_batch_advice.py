"""Largest batch that fits in the memory a strategy frees, found by trying bigger batches."""

from __future__ import annotations

import math
from typing import Any

FACTORS = (1.25, 1.5, 2.0, 3.0, 4.0)


def grow(x: Any, batch: int, new: int) -> Any:
    """Repeat a batch-first tensor along dim 0 to `new` rows; other values pass through."""
    import torch

    if isinstance(x, torch.Tensor) and x.dim() >= 1 and x.shape[0] == batch:
        reps = math.ceil(new / batch)
        return torch.cat([x] * reps, dim=0)[:new]
    return x


def batch_size_of(args: tuple, kwargs: dict) -> int | None:
    import torch

    sizes = {
        t.shape[0]
        for t in (*args, *kwargs.values())
        if isinstance(t, torch.Tensor) and t.dim() >= 1
    }
    return sizes.pop() if len(sizes) == 1 else None


def lr_rule(factor: float, lr: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {"lr_scale_linear": factor, "lr_scale_sqrt": math.sqrt(factor)}
    if lr is not None:
        out["lr_linear"] = lr * factor
        out["lr_sqrt"] = lr * math.sqrt(factor)
    return out


def advise(
    measure: Any, batch: int, eager_peak: int, chosen_peak: int, lr: float | None, deadline: Any
) -> dict[str, Any] | None:
    """`measure(new_batch) -> peak bytes or None`; stops at the first batch over eager's peak,
    or when `deadline()` says the budget is spent."""
    if chosen_peak >= eager_peak:
        return None
    tried: list[tuple[int, int | None]] = []
    best = batch
    for f in FACTORS:
        if deadline():
            break
        nb = int(batch * f)
        if nb <= best:
            continue
        peak = measure(nb)
        tried.append((nb, peak))
        if peak is None or peak > eager_peak:
            break
        best = nb
    factor = best / batch
    summary = (
        f"batch {best} fits in the eager peak memory ({eager_peak / 2**20:.1f} MiB) "
        f"with this strategy (was {batch}); scale the learning rate by {factor:.2f} (linear) "
        f"or {math.sqrt(factor):.2f} (sqrt) and retune"
        if best > batch
        else f"no larger batch (of {[t[0] for t in tried]}) fitted in the eager peak memory"
    )
    return {
        "batch_size": batch,
        "max_batch_size": best,
        "factor": factor,
        "tried": [{"batch_size": b, "peak_mem_bytes": p} for b, p in tried],
        "summary": summary,
        **lr_rule(factor, lr),
    }
