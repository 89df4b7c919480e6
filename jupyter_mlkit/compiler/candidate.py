"""The custom-candidate API, shared by the PyTorch and Keras paths (no framework import)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Relative loss tolerance of the numerical check, by compute precision.
TOLERANCE = {"fp32": 1e-3, "bf16": 5e-2, "fp16": 2e-2}
DROPOUT_TOLERANCE = 0.1  # compiled dropout draws from a different RNG stream than eager


@dataclass
class Candidate:
    """A strategy to try. Public: pass instances in ``optimize(..., candidates=[...])``.

    ``apply(model, optimizer)`` changes the model (and optimizer, which may be None) in place;
    it is run on a deep copy during the trial and on the user's objects if the candidate wins.
    ``precision`` picks the numerical-check tolerance unless ``tolerance`` is given.
    """

    name: str
    apply: Callable[[Any, Any], None] | None = None
    description: str = ""
    precision: str = "fp32"
    tolerance: float | None = None
    compiles: bool = False
    threads: int | None = None  # torch.set_num_threads during the trial and after install
    options: dict[str, Any] = field(default_factory=dict)  # Keras: Model.compile keywords

    def __post_init__(self) -> None:
        if self.precision not in TOLERANCE:
            raise ValueError(
                f"Candidate {self.name!r}: precision must be one of {sorted(TOLERANCE)}, "
                f"got {self.precision!r}"
            )
        if self.apply is not None and not callable(self.apply):
            raise ValueError(f"Candidate {self.name!r}: apply must be callable(model, optimizer)")

    def tol(self) -> float:
        return self.tolerance if self.tolerance is not None else TOLERANCE[self.precision]
