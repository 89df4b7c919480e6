"""What compile trials cost, remembered per model next to the compile cache.

Before a compile trial the search must guess its cost (a started torch.compile cannot be
stopped). A second search on the same model (same class, parameter shapes and dtypes, input
shapes, device and torch version) starts from what each candidate's compile trial took last
time, instead of the first-compile guess: with Inductor's cache warm that is often a fraction.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

FILE_NAME = "mlkit_compile_costs.json"
MAX_ENTRIES = 500  # the oldest are dropped: the file stays small


def fingerprint(model: Any, args: tuple, kwargs: dict, device_type: str) -> str:
    """A key for "the same model on the same inputs" (shapes, not values)."""
    import torch

    def shape(v: Any) -> Any:
        if isinstance(v, torch.Tensor):
            return [list(v.shape), str(v.dtype)]
        if isinstance(v, (list, tuple)):
            return [shape(x) for x in v]
        if isinstance(v, dict):
            return {str(k): shape(x) for k, x in sorted(v.items())}
        return type(v).__name__

    parts = {
        "model": f"{type(model).__module__}.{type(model).__qualname__}",
        "params": [[n, list(p.shape), str(p.dtype)] for n, p in model.named_parameters()],
        "inputs": [shape(list(args)), shape(kwargs)],
        "device": device_type,
        "torch": torch.__version__,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def costs_path(inductor_dir: str | os.PathLike) -> Path:
    return Path(inductor_dir).parent / FILE_NAME


def _load(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: start from the first-compile guess
    if not isinstance(data, dict):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(v, (int, float)) and v >= 0}


def remembered(inductor_dir: str | None, key: str | None, candidate: str) -> float | None:
    """Seconds this candidate's compile trial took last time on this model, if known."""
    if not inductor_dir or not key:
        return None
    return _load(costs_path(inductor_dir)).get(f"{key}:{candidate}")


def remember(inductor_dir: str | None, key: str | None, candidate: str, seconds: float) -> None:
    """Record a compile trial's cost (atomically: a reader never sees half a file). Never
    raises: a read-only cache only means the next search guesses again."""
    if not inductor_dir or not key:
        return
    path = costs_path(inductor_dir)
    try:
        data = _load(path)
        data.pop(f"{key}:{candidate}", None)
        data[f"{key}:{candidate}"] = round(float(seconds), 3)
        if len(data) > MAX_ENTRIES:
            data = dict(list(data.items())[-MAX_ENTRIES:])
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".costs-")
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError:
        pass
