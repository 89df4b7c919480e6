"""A small model zoo for trying and benchmarking the compiler: random init, generated data.

`build(name, framework="torch", size="small")` returns a ZooCase
(model, example_inputs, example_target, loss_fn) ready for `optimize`. Nothing is downloaded.
"""

from __future__ import annotations

from typing import Any, NamedTuple

MODELS = ("bert", "gpt", "resnet", "efficientnet", "lstm", "tcn", "dlrm", "mlp")
KERAS_MODELS = ("bert", "gpt", "resnet", "efficientnet", "lstm", "dlrm", "mlp")
SIZES = ("tiny", "small", "default")


class ZooCase(NamedTuple):
    model: Any
    example_inputs: Any
    example_target: Any
    loss_fn: Any


# size -> hyper-parameters; "tiny" is for tests (milliseconds per step), "small" for this CPU.
_CFG: dict[str, dict[str, dict[str, int]]] = {
    "bert": {
        "tiny": dict(vocab=100, d=32, heads=2, layers=2, seq=16, batch=4, classes=2),
        "small": dict(vocab=2000, d=128, heads=4, layers=4, seq=64, batch=16, classes=2),
        "default": dict(vocab=8000, d=256, heads=8, layers=6, seq=128, batch=32, classes=2),
    },
    "gpt": {
        "tiny": dict(vocab=100, d=32, heads=2, layers=2, seq=16, batch=4),
        "small": dict(vocab=2000, d=128, heads=4, layers=4, seq=64, batch=16),
        "default": dict(vocab=8000, d=256, heads=8, layers=6, seq=128, batch=16),
    },
    "resnet": {
        "tiny": dict(width=8, blocks=1, res=16, batch=4, classes=10),
        "small": dict(width=32, blocks=2, res=32, batch=32, classes=10),
        "default": dict(width=64, blocks=2, res=64, batch=32, classes=100),
    },
    "efficientnet": {
        "tiny": dict(width=8, blocks=1, res=16, batch=4, classes=10),
        "small": dict(width=24, blocks=2, res=32, batch=32, classes=10),
        "default": dict(width=32, blocks=3, res=64, batch=32, classes=100),
    },
    "lstm": {
        "tiny": dict(features=4, hidden=16, layers=1, seq=12, batch=4),
        "small": dict(features=16, hidden=128, layers=2, seq=64, batch=64),
        "default": dict(features=32, hidden=256, layers=2, seq=128, batch=64),
    },
    "tcn": {
        "tiny": dict(features=4, channels=8, levels=2, seq=16, batch=4),
        "small": dict(features=16, channels=64, levels=4, seq=128, batch=64),
        "default": dict(features=32, channels=128, levels=6, seq=256, batch=64),
    },
    "dlrm": {
        "tiny": dict(dense=4, tables=3, rows=50, emb=8, batch=8, hidden=16),
        "small": dict(dense=13, tables=8, rows=10000, emb=32, batch=512, hidden=256),
        "default": dict(dense=13, tables=26, rows=100000, emb=64, batch=2048, hidden=512),
    },
    "mlp": {
        "tiny": dict(features=8, hidden=16, layers=2, batch=8, classes=3),
        "small": dict(features=64, hidden=512, layers=6, batch=256, classes=10),
        "default": dict(features=128, hidden=1024, layers=6, batch=512, classes=10),
    },
}


def config(name: str, size: str = "small") -> dict[str, int]:
    if name not in _CFG:
        raise ValueError(f"unknown zoo model {name!r}; choose one of {sorted(_CFG)}")
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {SIZES}")
    return dict(_CFG[name][size])


def build(
    name: str,
    framework: str = "torch",
    size: str = "small",
    batch_size: int | None = None,
    seed: int = 0,
) -> ZooCase:
    """Build zoo model `name` for `framework` ("torch" or "keras") with generated data."""
    cfg = config(name, size)
    if batch_size is not None:
        cfg["batch"] = int(batch_size)
    if framework == "torch":
        if name not in MODELS:
            raise ValueError(f"{name!r} has no PyTorch version; PyTorch models: {MODELS}")
        from . import _zoo_torch

        return getattr(_zoo_torch, name)(cfg, seed)
    if framework == "keras":
        if name not in KERAS_MODELS:
            raise ValueError(f"{name!r} has no Keras version; Keras models: {KERAS_MODELS}")
        from . import _zoo_keras

        return getattr(_zoo_keras, name)(cfg, seed)
    raise ValueError(f"framework must be 'torch' or 'keras', got {framework!r}")


def names(framework: str = "torch") -> tuple[str, ...]:
    return MODELS if framework == "torch" else KERAS_MODELS
