"""Graph-break / recompile diagnostics and the compile cache directory."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from .report import GraphBreak

CACHE_ENV = ("TORCHINDUCTOR_CACHE_DIR", "TRITON_CACHE_DIR")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jupyter_mlkit" / "compile"


def configure_compile_cache(path: str | os.PathLike | None = None) -> str:
    """Point Inductor's (and Triton's) on-disk caches at a persistent directory so a second run
    of the same model compiles faster. An explicit `path` wins; otherwise an existing
    TORCHINDUCTOR_CACHE_DIR is kept; otherwise ~/.cache/jupyter_mlkit/compile is used."""
    if path is None and os.environ.get("TORCHINDUCTOR_CACHE_DIR"):
        return os.environ["TORCHINDUCTOR_CACHE_DIR"]
    root = Path(path) if path is not None else default_cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(root / "inductor")
    os.environ.setdefault("TRITON_CACHE_DIR", str(root / "triton"))
    return str(root / "inductor")


def _user_frames(stack: Any) -> list[str]:
    frames = []
    for f in stack or []:
        name = getattr(f, "filename", "")
        if "site-packages/torch" in name or "/torch/" in name:
            continue
        frames.append(f"{name}:{getattr(f, 'lineno', '?')} in {getattr(f, 'name', '?')}")
    return frames


def explain_torch(
    model: Any, args: tuple, kwargs: dict, *, with_nodes: bool = False
) -> tuple[Any, ...]:
    """Run torch._dynamo.explain on a copy's forward: (graph count, graph breaks with the user
    source lines[, number of FX nodes in the graphs, which predicts the compile cost]).
    Note: explain() resets Dynamo's caches, so it runs before any compile trial."""
    import torch

    from ._torch_candidates import strip

    m = copy.deepcopy(model)
    strip(m)
    with torch.random.fork_rng(devices=[]):
        out = torch._dynamo.explain(m)(*args, **kwargs)
    breaks = [
        GraphBreak(str(r.reason).strip().splitlines()[0][:300], _user_frames(r.user_stack))
        for r in out.break_reasons
    ]
    if with_nodes:
        nodes = sum(len(g.graph.nodes) for g in out.graphs)
        return out.graph_count, breaks, nodes
    return out.graph_count, breaks


def advice_for(breaks: list[GraphBreak], recompiles: int, compile_s: float) -> list[str]:
    tips: list[str] = []
    text = " ".join(b.reason.lower() for b in breaks)
    if breaks:
        where = breaks[0].user_frames[-1] if breaks[0].user_frames else "the model"
        tips.append(
            f"{len(breaks)} graph break(s), first at {where}: each one splits the compiled graph "
            "and runs Python in between"
        )
    if any(k in text for k in ("item", "tolist", "data-dependent", "data dependent", "host")):
        tips.append(
            "avoid host syncs in forward (.item(), .tolist(), print of tensors, Python `if` on "
            "tensor values); use torch.where / torch.cond instead"
        )
    if "print" in text or "logging" in text:
        tips.append("move print/logging of tensors out of forward, or log every N steps")
    if recompiles:
        tips.append(
            f"{recompiles} recompile(s) while shapes stayed fixed: a Python value changes between "
            "steps (counter, list length); make it a tensor or a constant. For variable input "
            "sizes pad to fixed shapes (e.g. padding='max_length') or mark them dynamic"
        )
    if compile_s > 0:
        tips.append(
            "pad inputs to a few fixed shapes: every new shape recompiles; the compile cache "
            "directory keeps compiled kernels for the next run"
        )
    return tips
