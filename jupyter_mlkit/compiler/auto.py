"""Helpers for `%%mlkit_compile`: find the models a cell trains and optimize each one on its
first real batch, without changing the cell's code.

    armed = [arm(m, opt) for _, m, opt in find_models(user_ns)]
    <run the cell>            # first forward of each model: optimize() on that batch, install
    reports = [a.report for a in armed if a.report is not None]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def find_models(namespace: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(variable name, torch module, its optimizer or None) for every top-level nn.Module with
    parameters in `namespace`; sub-modules of another found module are left out, and an
    optimizer is matched when it holds one of the module's parameters."""
    try:
        import torch
    except ImportError:
        return []
    mods = {
        id(v): (k, v)
        for k, v in namespace.items()
        if isinstance(v, torch.nn.Module)
        and not k.startswith("_")
        and next(v.parameters(), None) is not None
    }
    inner = {id(s) for _, m in mods.values() for s in m.modules() if s is not m}
    opts = [v for v in namespace.values() if isinstance(v, torch.optim.Optimizer)]
    out = []
    for key, (name, m) in mods.items():
        if key in inner:
            continue
        pids = {id(p) for p in m.parameters()}
        opt = next(
            (o for o in opts if any(id(p) in pids for g in o.param_groups for p in g["params"])),
            None,
        )
        out.append((name, m, opt))
    return out


class Armed:
    """A one-shot forward pre-hook: the first call's inputs become `optimize`'s example batch.
    That first call itself still runs the model as it was; later calls use the winner."""

    def __init__(self, model: Any, optimizer: Any, on_report: Callable | None, kw: dict):
        self.model, self.optimizer, self.on_report, self.kw = model, optimizer, on_report, kw
        self.report = None
        self.error: str | None = None
        self._handle = model.register_forward_pre_hook(self._fire, with_kwargs=True)

    def _fire(self, module: Any, args: tuple, kwargs: dict) -> None:
        self.remove()  # before optimize() deep-copies the model, so copies carry no hook
        import torch

        if not torch.is_grad_enabled() or not module.training:
            self.error = "first call was not a training step (no_grad or eval mode); not optimized"
            return
        from . import optimize

        inputs: Any = dict(kwargs) if kwargs else (args[0] if len(args) == 1 else args)
        try:
            self.report = optimize(module, inputs, optimizer=self.optimizer, **self.kw).report
        except Exception as e:  # noqa: BLE001 - the user's cell must go on regardless
            self.error = f"{type(e).__name__}: {e}"
        if self.on_report is not None and self.report is not None:
            self.on_report(self.report)

    def remove(self) -> None:
        self._handle.remove()


def arm(
    model: Any, optimizer: Any = None, on_report: Callable | None = None, **optimize_kwargs: Any
) -> Armed:
    """Optimize `model` on its first training forward (loss: the surrogate unless `loss_fn` is
    given in `optimize_kwargs`, since the cell's loss is computed outside the model)."""
    return Armed(model, optimizer, on_report, optimize_kwargs)
