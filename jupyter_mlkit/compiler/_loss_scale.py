"""fp16 autocast with dynamic loss scaling that needs no change to the user's training loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

# ------------------------------------------------------------------ fp16 loss scaling (CUDA)


class _ScaleGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, scale: float) -> torch.Tensor:  # type: ignore[override]
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[torch.Tensor, None]:  # type: ignore[override]
        return g * ctx.scale, None


@dataclass
class LossScale:
    """Dynamic loss scaling installed without touching the user's loop: gradients are scaled at
    the model output in backward and unscaled (or the step skipped on inf/nan) in optimizer.step."""

    scale: float = 2.0**16
    good_steps: int = 0
    growth_interval: int = 2000
    skipped: int = 0
    history: list[float] = field(default_factory=list)


def fp16_with_loss_scaling(device_type: str = "cuda") -> Callable[[nn.Module, Any], None]:
    from ._torch_candidates import autocast

    amp = autocast(device_type, torch.float16)

    def apply(model: nn.Module, optimizer: Any) -> None:
        if optimizer is None:
            raise ValueError("fp16 needs the optimizer (for loss scaling) passed to optimize()")
        amp(model, optimizer)
        install_loss_scaling(model, optimizer)

    return apply


def install_loss_scaling(model: nn.Module, optimizer: Any) -> LossScale:
    state = LossScale()
    model._mlkit_loss_scale = state  # type: ignore[attr-defined]

    def scale_out(out: Any) -> Any:
        if isinstance(out, torch.Tensor) and out.is_floating_point() and out.requires_grad:
            return _ScaleGrad.apply(out, state.scale)
        if isinstance(out, tuple) and not hasattr(out, "_fields"):
            return tuple(scale_out(o) for o in out)
        if isinstance(out, list):
            return [scale_out(o) for o in out]
        if isinstance(out, dict):
            return {k: scale_out(v) for k, v in out.items()}
        return out

    handle = model.register_forward_hook(lambda mod, inp, out: scale_out(out))
    model._mlkit_loss_scale_hook = handle.id  # type: ignore[attr-defined]  # strip() removes it
    original_step = optimizer.step

    def step(*args: Any, **kwargs: Any) -> Any:
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        inv = 1.0 / state.scale
        finite = True
        for gr in grads:
            gr.mul_(inv)
            finite = finite and bool(torch.isfinite(gr).all())
        if not finite:
            state.scale /= 2.0
            state.skipped += 1
            state.good_steps = 0
            return None
        state.good_steps += 1
        if state.good_steps % state.growth_interval == 0:
            state.scale *= 2.0
        return original_step(*args, **kwargs)

    optimizer.step = step  # instance attribute: deep copies of the optimizer drop it (copy_state)
    return state
