"""Training compiler: measure candidate strategies (torch.compile, AMP, channels_last, fused
optimizers, XLA, ...) on the user's own model and batch, keep the fastest one that agrees
numerically with eager, and explain the choice. Heavy frameworks are imported lazily."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._choose import OBJECTIVES
from .candidate import Candidate
from .report import CandidateResult, CompileReport, GraphBreak, Optimized

__all__ = [
    "Candidate",
    "CandidateResult",
    "CompileReport",
    "GraphBreak",
    "Optimized",
    "optimize",
    "configure_compile_cache",
]


def __getattr__(name: str) -> Any:
    if name == "configure_compile_cache":
        from .diagnostics import configure_compile_cache

        return configure_compile_cache
    raise AttributeError(name)


def _framework(model: Any) -> str:
    mods = [c.__module__ for c in type(model).__mro__]
    if any(m.startswith("torch.") for m in mods):
        return "torch"
    if any(m.startswith(("keras", "tf_keras", "tensorflow")) for m in mods):
        return "keras"
    raise TypeError(
        f"optimize() takes a torch.nn.Module or a keras.Model, got {type(model).__module__}."
        f"{type(model).__name__}"
    )


def optimize(
    model: Any,
    example_inputs: Any,
    *,
    loss_fn: Callable | Any | None = None,
    example_target: Any = None,
    optimizer: Any = None,
    objective: str = "speed",
    budget_s: float = 120,
    candidates: list[Any] | None = None,
    diagnose: bool = True,
    cache_dir: str | None = None,
    batch_advice: bool = True,
    progress: Callable[[dict], None] | None = None,
) -> Optimized:
    """Measure candidate strategies on `model` with one example batch and install the best.

    The returned `.model` is the same object as `model`, changed in place (so the user's
    optimizer keeps its parameters); the user's weights and optimizer state are never touched
    by the trials. `progress(event)` receives dicts with a `phase` key
    (start / trying / candidate / done).
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    if not isinstance(budget_s, (int, float)) or budget_s <= 0:
        raise ValueError(f"budget_s must be a positive number of seconds, got {budget_s!r}")
    if candidates is not None and not isinstance(candidates, (list, tuple)):
        raise ValueError("candidates must be a list of names or Candidate objects")
    kw = dict(
        loss_fn=loss_fn,
        example_target=example_target,
        optimizer=optimizer,
        objective=objective,
        budget_s=float(budget_s),
        candidates=list(candidates) if candidates is not None else None,
        progress=progress,
        batch_advice=batch_advice,
    )
    if _framework(model) == "torch":
        from .torch_path import optimize_torch

        return optimize_torch(model, example_inputs, diagnose=diagnose, cache_dir=cache_dir, **kw)
    from .keras_path import optimize_keras

    return optimize_keras(model, example_inputs, **kw)
