"""Measure one candidate on a deep copy of the user's model and optimizer.

Memory method: on CUDA, `torch.cuda.max_memory_allocated` over one step; on CPU, the PyTorch
profiler's allocator events (`profile_memory=True`), which see every tensor allocation including
Inductor's buffers. Both report peak = (params + buffers + grads + optimizer state at step start)
+ the highest rise in allocated bytes during one training step.
"""

from __future__ import annotations

import copy
import gc
import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ._torch_candidates import DROPOUT_TOLERANCE, Candidate, strip
from .report import CandidateResult

MEMORY_METHOD = {
    "cpu": "PyTorch profiler allocator events over one step, plus resident params/grads/"
    "optimizer state (process RSS cannot be reset per candidate)",
    "cuda": "torch.cuda.max_memory_allocated over one step, plus resident params/grads/"
    "optimizer state",
}


@dataclass
class Batch:
    args: tuple
    kwargs: dict
    target: Any
    loss_fn: Any


class CandidateError(Exception):
    pass


def normalize_inputs(example_inputs: Any) -> tuple[tuple, dict]:
    if isinstance(example_inputs, dict):
        return (), dict(example_inputs)
    if isinstance(example_inputs, (tuple, list)):
        return tuple(example_inputs), {}
    return (example_inputs,), {}


def compute_loss(out: Any, batch: Batch) -> torch.Tensor:
    if batch.loss_fn is not None:
        loss = batch.loss_fn(out, batch.target) if batch.target is not None else batch.loss_fn(out)
    elif isinstance(out, dict) and "loss" in out:
        loss = out["loss"]
    elif hasattr(out, "loss") and isinstance(out.loss, torch.Tensor):
        loss = out.loss
    elif isinstance(out, torch.Tensor) and out.dim() == 0:
        loss = out
    else:
        # No loss given: a surrogate (mean of every float output) still exercises backward.
        parts = [t.float().mean() for t in _tensors(out) if t.is_floating_point()]
        if not parts:
            raise CandidateError("no loss_fn and the model returns no floating-point tensor")
        loss = torch.stack(parts).sum()
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise CandidateError(f"loss must be a scalar tensor, got shape {shape}")
    return loss


def _tensors(out: Any) -> list[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _tensors(o)]
    return []


def train_step(model: nn.Module, opt: Any, batch: Batch) -> torch.Tensor:
    opt.zero_grad(set_to_none=True)
    loss = compute_loss(model(*batch.args, **batch.kwargs), batch)
    loss.backward()
    opt.step()
    return loss.detach()


def copy_state(model: nn.Module, optimizer: Any) -> tuple[nn.Module, Any]:
    """Deep-copy model and optimizer together so the copy's optimizer points at the copy's
    parameters; earlier compile/patches are stripped from the copy only."""
    m, o = copy.deepcopy((model, optimizer))
    strip(m)
    if o is not None:
        o.__dict__.pop("step", None)  # a loss-scaling step wrapper would call the user's optimizer
    if o is None:
        # No optimizer given: measure with plain SGD so backward + update are both in the step.
        o = torch.optim.SGD(m.parameters(), lr=1e-3)
    return m, o


def resident_bytes(model: nn.Module, opt: Any) -> int:
    seen: set[int] = set()
    total = 0

    def add(t: Any) -> None:
        nonlocal total
        if isinstance(t, torch.Tensor) and t.untyped_storage().data_ptr() not in seen:
            seen.add(t.untyped_storage().data_ptr())
            total += t.untyped_storage().nbytes()

    for p in model.parameters():
        add(p)
        add(p.grad)
    for b in model.buffers():
        add(b)
    for st in getattr(opt, "state", {}).values():
        for v in st.values():
            add(v)
    return total


def sync(device_type: str) -> None:
    if device_type == "cuda":
        torch.cuda.synchronize()


def peak_step_bytes(model: nn.Module, opt: Any, batch: Batch, device_type: str) -> int:
    base = resident_bytes(model, opt)
    if device_type == "cuda":
        sync(device_type)
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        train_step(model, opt, batch).item()
        sync(device_type)
        return base + max(0, torch.cuda.max_memory_allocated() - before)
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        train_step(model, opt, batch).item()
    events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    events.sort(key=lambda e: e.start_ns())
    cur = peak = 0
    for e in events:
        if e.device_type() == torch.autograd.DeviceType.CPU:
            cur += e.nbytes()
            peak = max(peak, cur)
    return base + peak


def has_active_dropout(model: nn.Module) -> bool:
    return model.training and any(
        isinstance(m, nn.modules.dropout._DropoutNd) and m.p > 0 for m in model.modules()
    )


def _short(e: BaseException) -> str:
    lines = [ln for ln in str(e).strip().splitlines() if ln.strip()]
    msg = lines[0] if lines else ""
    return f"{type(e).__name__}: {msg}"[:400]


def run_trial(
    cand: Candidate,
    model: nn.Module,
    optimizer: Any,
    batch: Batch,
    device_type: str,
    *,
    check_steps: int = 3,
    min_steps: int = 3,
    max_steps: int = 10,
    time_cap_s: float = 3.0,
    seed: int = 0,
    measure_memory: bool = True,
    keep: bool = False,
) -> CandidateResult:
    """Warm up (the first `check_steps` losses feed the numerical check), then time steady steps
    and measure one step's peak memory. Never raises: failures land in the result.
    With `keep`, a successful result carries a `Runner` (`result.runner`) for re-timing."""
    res = CandidateResult(cand.name, cand.description)
    old_threads = torch.get_num_threads()
    m = o = None
    try:
        if cand.threads:
            torch.set_num_threads(cand.threads)
        m, o = copy_state(model, optimizer)
        devices = [torch.cuda.current_device()] if device_type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            if cand.apply is not None:
                # apply() sees the optimizer only when the user gave one (as on install).
                cand.apply(m, o if optimizer is not None else None)
            graphs0 = _unique_graphs()
            times = []
            for _ in range(check_steps):
                t = time.perf_counter()
                loss = train_step(m, o, batch).item()
                times.append(time.perf_counter() - t)
                res.losses.append(loss)
            graphs1 = _unique_graphs()
            steady: list[float] = []
            t_start = time.perf_counter()
            while len(steady) < max_steps and (
                len(steady) < min_steps or time.perf_counter() - t_start < time_cap_s
            ):
                t = time.perf_counter()
                train_step(m, o, batch).item()
                steady.append(time.perf_counter() - t)
            res.recompiles = max(0, _unique_graphs() - graphs1) if cand.compiles else 0
            res.step_s = statistics.median(steady)
            warm = sum(times) - res.step_s * len(times)
            res.compile_s = max(0.0, warm) if (cand.compiles or graphs1 > graphs0) else 0.0
            if measure_memory:
                res.peak_mem_bytes = peak_step_bytes(m, o, batch, device_type)
        if not all(math.isfinite(v) for v in res.losses):
            raise CandidateError(f"non-finite loss {res.losses}")
        res.status = "ok"
        if keep:
            res.runner = Runner(m, o, batch, cand.threads, device_type)  # type: ignore[attr-defined]
    except Exception as e:  # noqa: BLE001 - any failure of a candidate is a result, not a crash
        res.status = "failed"
        res.error = _short(e)
    finally:
        if cand.threads:
            torch.set_num_threads(old_threads)
        del m, o
        if device_type == "cuda":  # a full collection costs ~0.2 s; only worth it for GPU memory
            gc.collect()
            torch.cuda.empty_cache()
    return res


class Runner:
    """A warmed-up trial copy kept alive so eager and the winner can be re-timed side by side."""

    def __init__(self, model: nn.Module, opt: Any, batch: Batch, threads: int | None, dev: str):
        self.model, self.opt, self.batch, self.threads, self.dev = model, opt, batch, threads, dev

    def time_steps(self, n: int) -> list[float]:
        old = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            out = []
            with torch.random.fork_rng(devices=[]):
                for _ in range(n):
                    t = time.perf_counter()
                    train_step(self.model, self.opt, self.batch).item()
                    out.append(time.perf_counter() - t)
            return out
        finally:
            torch.set_num_threads(old)


def confirm(a: Runner, b: Runner, rounds: int = 3, steps: int = 3) -> tuple[float, float]:
    """Alternate short timing rounds of two runners so load spikes on a shared machine hit both;
    returns their median step times."""
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(rounds):
        ta += a.time_steps(steps)
        tb += b.time_steps(steps)
    return statistics.median(ta), statistics.median(tb)


def check_numerics(res: CandidateResult, eager: CandidateResult, cand: Candidate, dropout: bool):
    """Losses of the first steps from the same state must agree with eager's within tolerance."""
    if res.status != "ok" or eager.status != "ok" or res is eager:
        if res is eager and res.status == "ok":
            res.numerics_ok, res.max_rel_loss_diff, res.tolerance = True, 0.0, 0.0
        return
    tol = cand.tol()
    if dropout and cand.compiles:
        tol = max(tol, DROPOUT_TOLERANCE)
    res.tolerance = tol
    diffs = [abs(a - b) / max(abs(b), 1e-3) for a, b in zip(res.losses, eager.losses, strict=False)]
    res.max_rel_loss_diff = max(diffs) if diffs else 0.0
    res.numerics_ok = res.max_rel_loss_diff <= tol
    if not res.numerics_ok:
        res.status = "rejected"
        res.error = (
            f"numerical check failed: losses {_fmt(res.losses)} vs eager {_fmt(eager.losses)}"
            f" (max relative difference {res.max_rel_loss_diff:.3g} > tolerance {tol:g})"
        )


def _fmt(v: list[float]) -> str:
    return "[" + ", ".join(f"{x:.5g}" for x in v) + "]"


def _unique_graphs() -> int:
    try:
        from torch._dynamo.utils import counters

        return int(counters["stats"]["unique_graphs"])
    except Exception:  # noqa: BLE001 - counters are internal; missing means "unknown"
        return 0
