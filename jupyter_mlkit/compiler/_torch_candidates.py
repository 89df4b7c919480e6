"""PyTorch candidate strategies and the in-place patches that implement them.

Every candidate changes a module *in place* (class swap for forward wrappers, a compiled forward
for torch.compile, `param_groups` flags for optimizers), so the same code serves a trial copy and
the user's own model, and the user's parameter objects never change identity.
"""

from __future__ import annotations

import functools
import types
import weakref
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ._loss_scale import fp16_with_loss_scaling, install_loss_scaling
from .candidate import DROPOUT_TOLERANCE, TOLERANCE, Candidate

__all__ = [
    "Candidate",
    "TOLERANCE",
    "DROPOUT_TOLERANCE",
    "fp16_with_loss_scaling",
    "install_loss_scaling",
]

ApplyFn = Callable[[nn.Module, Any], None]
# ---------------------------------------------------------------- forward wrappers (class swap)

_SWAPPED: dict[tuple[type, str], type] = {}


def swap_forward(module: nn.Module, tag: str, make_forward: Callable[[Callable], Callable]) -> None:
    """Give `module` a subclass whose forward wraps the original one. State dict keys, parameter
    objects and `isinstance` stay the same; deep copies keep the wrapper."""
    base = type(module)
    key = (base, tag)
    cls = _SWAPPED.get(key)
    if cls is None:
        fwd = make_forward(base.forward)
        functools.update_wrapper(fwd, base.forward)  # keeps the user's forward signature
        cls = type(
            base.__name__,
            (base,),
            {
                "forward": fwd,
                "__module__": base.__module__,
                "__qualname__": base.__qualname__,
                "_mlkit_base": getattr(base, "_mlkit_base", base),
                "_mlkit_tags": (*getattr(base, "_mlkit_tags", ()), tag),
            },
        )
        _SWAPPED[key] = cls
    module.__class__ = cls


def strip(model: nn.Module) -> None:
    """Undo earlier patches (class swaps, Module.compile) so a model can be re-optimized."""
    for m in model.modules():
        base = getattr(type(m), "_mlkit_base", None)
        if base is not None:
            m.__class__ = base
        if getattr(m, "_compiled_call_impl", None) is not None:
            m._compiled_call_impl = None
        _COMPILED.pop(m, None)
        hook_id = m.__dict__.pop("_mlkit_loss_scale_hook", None)
        if hook_id is not None:
            m._forward_hooks.pop(hook_id, None)
            m.__dict__.pop("_mlkit_loss_scale", None)


def tags(model: nn.Module) -> list[str]:
    return sorted({t for m in model.modules() for t in getattr(type(m), "_mlkit_tags", ())})


def _to_float32(out: Any) -> Any:
    if isinstance(out, torch.Tensor):
        return out.float() if out.is_floating_point() and out.dtype != torch.float32 else out
    if isinstance(out, tuple) and not hasattr(out, "_fields"):
        return tuple(_to_float32(o) for o in out)
    if isinstance(out, list):
        return [_to_float32(o) for o in out]
    if isinstance(out, dict):
        return {k: _to_float32(v) for k, v in out.items()}
    return out


def autocast(device_type: str, dtype: torch.dtype) -> ApplyFn:
    def make(base_forward: Callable) -> Callable:
        def forward(self: nn.Module, *args: Any, **kwargs: Any) -> Any:
            with torch.autocast(device_type, dtype=dtype):
                out = base_forward(self, *args, **kwargs)
            # Outputs go back to float32 so the user's loss runs in full precision.
            return _to_float32(out)

        return forward

    def apply(model: nn.Module, optimizer: Any) -> None:
        swap_forward(model, f"autocast:{device_type}:{dtype}", make)

    return apply


def _channels_last_make(base_forward: Callable) -> Callable:
    def forward(self: nn.Module, *args: Any, **kwargs: Any) -> Any:
        args = tuple(
            a.contiguous(memory_format=torch.channels_last)
            if isinstance(a, torch.Tensor) and a.dim() == 4
            else a
            for a in args
        )
        return base_forward(self, *args, **kwargs)

    return forward


def channels_last(model: nn.Module, optimizer: Any) -> None:
    model.to(memory_format=torch.channels_last)  # keeps Parameter objects (sets .data)
    swap_forward(model, "channels_last", _channels_last_make)


def _checkpoint_make(base_forward: Callable) -> Callable:
    def forward(self: nn.Module, *args: Any, **kwargs: Any) -> Any:
        if self.training and torch.is_grad_enabled():
            from torch.utils.checkpoint import checkpoint

            return checkpoint(base_forward, self, *args, use_reentrant=False, **kwargs)
        return base_forward(self, *args, **kwargs)

    return forward


def checkpoint_blocks(model: nn.Module) -> list[nn.Module]:
    """The outermost repeated composite blocks (children of a ModuleList/Sequential that have
    parameters and sub-modules): the natural units for activation checkpointing."""
    found: list[nn.Module] = []

    def visit(m: nn.Module) -> None:
        if isinstance(m, (nn.ModuleList, nn.Sequential)):
            blocks = [
                c
                for c in m.children()
                if any(True for _ in c.children()) and any(True for _ in c.parameters())
            ]
            if len(blocks) >= 2:
                found.extend(blocks)
                return
        for c in m.children():
            visit(c)

    visit(model)
    return found


def activation_checkpointing(model: nn.Module, optimizer: Any, every: int = 1) -> None:
    """Recompute the activations of every `every`-th repeated block in backward instead of
    keeping them: every=1 saves the most memory, every=2 about half of it for half the cost."""
    blocks = checkpoint_blocks(model)
    if not blocks:
        raise ValueError("no repeated blocks (ModuleList/Sequential of sub-modules) to checkpoint")
    for b in blocks[::every]:
        swap_forward(b, "checkpoint", _checkpoint_make)


def checkpoint_half(model: nn.Module, optimizer: Any) -> None:
    activation_checkpointing(model, optimizer, every=2)


# Module.compile() in this torch (2.13) compiles Module._call_impl, which Dynamo skips (torch
# internals are in its skipfiles), so nothing is compiled. Compiling the bound forward works; the
# compiled callable lives in a weak map, not on the instance, so deep copies never share it.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def compile_mode(mode: str | None) -> ApplyFn:
    def make(base_forward: Callable) -> Callable:
        def forward(self: nn.Module, *args: Any, **kwargs: Any) -> Any:
            fn = _COMPILED.get(self)
            if fn is None:
                fn = torch.compile(types.MethodType(base_forward, self), mode=mode)
                _COMPILED[self] = fn
            return fn(*args, **kwargs)

        return forward

    def apply(model: nn.Module, optimizer: Any) -> None:
        _COMPILED.pop(model, None)
        swap_forward(model, f"compile:{mode or 'default'}", make)

    return apply


def optimizer_flag(flag: str) -> ApplyFn:
    def apply(model: nn.Module, optimizer: Any) -> None:
        if optimizer is None:
            raise ValueError(f"{flag} needs the optimizer passed to optimize()")
        for g in optimizer.param_groups:
            g[flag] = True
            other = "foreach" if flag == "fused" else "fused"
            if g.get(other):
                g[other] = False
        if flag == "fused":
            optimizer._step_supports_amp_scaling = True

    return apply


def chain(*fns: ApplyFn) -> ApplyFn:
    def apply(model: nn.Module, optimizer: Any) -> None:
        for f in fns:
            f(model, optimizer)

    return apply


# ------------------------------------------------------------------------- the built-in menu


def bf16_native(device_type: str) -> bool:
    if device_type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # noqa: BLE001 - older builds lack the op: treat as unsupported
        return False


def has_conv2d(model: nn.Module) -> bool:
    return any(isinstance(m, nn.Conv2d) for m in model.modules())


def _supports(optimizer: Any, flag: str) -> bool:
    import inspect

    try:
        return flag in inspect.signature(type(optimizer).__init__).parameters
    except (TypeError, ValueError):
        return False


def builtin_candidates(
    model: nn.Module, optimizer: Any, device_type: str, objective: str
) -> list[Candidate]:
    """The default menu, cheap candidates first and compiles last (budget order)."""
    import psutil

    bf16 = bf16_native(device_type)
    conv = has_conv2d(model)
    cands = [Candidate("eager", None, "the model as given")]
    if device_type == "cpu":
        now = torch.get_num_threads()
        # fewer threads can win on a shared or oversubscribed machine; more on an idle one
        for n in sorted({1, psutil.cpu_count(logical=False) or 1, psutil.cpu_count() or 1}):
            if n != now:
                cands.append(
                    Candidate(f"threads={n}", None, f"torch.set_num_threads({n})", threads=n)
                )
    if optimizer is not None:
        for flag in ("foreach", "fused"):
            if _supports(optimizer, flag):
                cands.append(Candidate(f"optimizer:{flag}", optimizer_flag(flag), f"{flag}=True"))
    amp_bf16 = autocast(device_type, torch.bfloat16)
    if bf16:
        cands.append(Candidate("bf16-autocast", amp_bf16, "bfloat16 autocast", "bf16"))
    if device_type == "cuda" and optimizer is not None:
        cands.append(
            Candidate("fp16-autocast+loss-scaling", fp16_with_loss_scaling(), "fp16 AMP", "fp16")
        )
    if conv:
        cands.append(Candidate("channels_last", channels_last, "NHWC memory format"))
        if bf16:
            cands.append(
                Candidate("channels_last+bf16", chain(channels_last, amp_bf16), "", "bf16")
            )
    if objective in ("memory", "balanced"):
        ckpt = Candidate("checkpoint", activation_checkpointing, "activation checkpointing")
        cands.append(ckpt)
        cands.append(Candidate("checkpoint:half", checkpoint_half, "checkpoint every other block"))
        if bf16:
            cands.append(
                Candidate("checkpoint+bf16", chain(activation_checkpointing, amp_bf16), "", "bf16")
            )
    cands.append(Candidate("compile:default", compile_mode(None), "torch.compile", compiles=True))
    if bf16:
        cands.append(
            Candidate(
                "compile:default+bf16",
                chain(amp_bf16, compile_mode(None)),
                "torch.compile with bfloat16 autocast",
                "bf16",
                compiles=True,
            )
        )
    cands.append(
        Candidate(
            "compile:max-autotune-no-cudagraphs",
            compile_mode("max-autotune-no-cudagraphs"),
            "torch.compile, autotuned kernels",
            compiles=True,
        )
    )
    if device_type == "cuda":
        cands.append(
            Candidate(
                "compile:reduce-overhead",
                compile_mode("reduce-overhead"),
                "torch.compile with CUDA graphs",
                compiles=True,
            )
        )
    if objective == "memory":  # memory savers first, so a short budget still reaches them
        cands.sort(key=lambda c: c.name != "eager" and "checkpoint" not in c.name)
    return cands


def resolve(
    requested: list[Any] | None,
    model: nn.Module,
    optimizer: Any,
    device_type: str,
    objective: str,
) -> list[Candidate]:
    """Turn the user's `candidates=` (names and/or Candidate objects) into a list starting with
    eager. Unknown names raise ValueError listing the known ones."""
    menu = builtin_candidates(model, optimizer, device_type, "memory")
    if requested is None:
        return builtin_candidates(model, optimizer, device_type, objective)
    by_name = {c.name: c for c in menu}
    out: list[Candidate] = [by_name["eager"]]
    for r in requested:
        if isinstance(r, Candidate):
            c = r
        elif isinstance(r, str) and r in by_name:
            c = by_name[r]
        else:
            raise ValueError(
                f"unknown candidate {r!r}; built-in names here: {sorted(by_name)}"
                " (or pass jupyter_mlkit.compiler.Candidate objects)"
            )
        if c.name != "eager" and all(c.name != o.name for o in out):
            out.append(c)
    return out
