"""`optimize` for PyTorch: measure candidates on copies, choose, install on the user's model."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from . import _batch_advice
from ._choose import MARGIN, choose, outcome_fields
from ._compile_costs import fingerprint, remember, remembered
from ._torch_candidates import Candidate, resolve, strip, tags
from ._torch_trial import (
    MEMORY_METHOD,
    Batch,
    check_numerics,
    confirm,
    has_active_dropout,
    normalize_inputs,
    run_trial,
)
from .diagnostics import advice_for, configure_compile_cache, explain_torch
from .report import CandidateResult, CompileReport, GraphBreak, Optimized

# A torch.compile trial cannot be interrupted, so it only starts when its estimated cost fits in
# the budget left. Before any compile trial has been measured: at least 10 s, 3x the eager trial,
# and 0.3 s per node of the forward graph(s) (calibrated on the tiny zoo, one thread on the
# loaded 2-core CPU, caches off: Inductor took 0.12-0.37 s per forward node for forward plus
# backward), plus 15 s for the first compile of the process (Inductor's own start-up). After
# one: the cost of the last compile trial. max-autotune modes count twice (they benchmark
# kernel choices).
COMPILE_ESTIMATE_S = 10.0
COMPILE_ESTIMATE_X = 3.0
COMPILE_S_PER_NODE = 0.3
COMPILE_WARMUP_S = 15.0
AUTOTUNE_FACTOR = 2.0
_inductor_started = False  # a compile trial has run in this process: no start-up cost again


def compile_need(
    cand: Candidate, eager_cost: float, nodes: int | None, measured: float | None
) -> tuple[float, str]:
    """(estimated seconds, how it was estimated) for a trial of a compiling candidate."""
    if measured is not None:
        need, how = measured, f"the last compile trial took {measured:.1f}s"
    else:
        graph = COMPILE_S_PER_NODE * nodes if nodes else 0.0
        need = max(COMPILE_ESTIMATE_S, COMPILE_ESTIMATE_X * eager_cost, graph)
        how = f"first compile, {nodes} graph nodes" if nodes else "first compile"
        if not _inductor_started:
            need += COMPILE_WARMUP_S
            how += " + Inductor start-up"
    if "max-autotune" in cand.name:
        need *= AUTOTUNE_FACTOR
        how += f", x{AUTOTUNE_FACTOR:g} for max-autotune"
    return need, how


def _device_type(model: nn.Module) -> str:
    p = next(iter(model.parameters()), None)
    return p.device.type if p is not None else "cpu"


def optimize_torch(
    model: nn.Module,
    example_inputs: Any,
    *,
    loss_fn: Callable | None,
    example_target: Any,
    optimizer: Any,
    objective: str,
    budget_s: float,
    candidates: list[Any] | None,
    diagnose: bool = True,
    cache_dir: str | None = None,
    batch_advice: bool = True,
    progress: Callable[[dict], None] | None = None,
) -> Optimized:
    t0 = time.perf_counter()

    def elapsed() -> float:
        return time.perf_counter() - t0

    def emit(**event: Any) -> None:
        if progress is not None:
            progress({"elapsed_s": round(elapsed(), 2), **event})

    device_type = _device_type(model)
    args, kwargs = normalize_inputs(example_inputs)
    batch = Batch(args, kwargs, example_target, loss_fn)
    cands = resolve(candidates, model, optimizer, device_type, objective)
    dropout = has_active_dropout(model)
    compiles = any(c.compiles for c in cands)
    cache = configure_compile_cache(cache_dir) if compiles else None
    cost_key = fingerprint(model, args, kwargs, device_type) if compiles else None
    emit(phase="start", total=len(cands), candidates=[c.name for c in cands])

    results: list[CandidateResult] = []
    eager = run_trial(cands[0], model, optimizer, batch, device_type, keep=True)
    eager_cost = elapsed()
    check_numerics(eager, eager, cands[0], dropout)
    results.append(eager)
    emit(phase="candidate", index=0, name="eager", status=eager.status, step_s=eager.step_s)

    graph_count: int | None = None
    nodes: int | None = None
    breaks: list[GraphBreak] = []
    notes: list[str] = []
    if compiles and diagnose and eager.status == "ok" and elapsed() < budget_s:
        try:
            graph_count, breaks, nodes = explain_torch(model, args, kwargs, with_nodes=True)
        except Exception as e:  # noqa: BLE001 - diagnostics must not stop optimisation
            notes.append(f"torch._dynamo.explain failed: {type(e).__name__}: {e}"[:300])
    if nodes is None and compiles:
        nodes = 3 * sum(1 for m in model.modules() if not any(True for _ in m.children()))

    compile_cost: float | None = None
    compile_total = 0.0

    def fits(cand: Candidate) -> str | None:
        """Why `cand` is skipped for the budget, or None when its estimated cost fits."""
        how = "the eager trial's cost"
        need = eager_cost
        before = remembered(cache, cost_key, cand.name) if cand.compiles else None
        if before is not None:
            need, how = before, f"this model's last {cand.name} trial took {before:.1f}s"
        elif cand.compiles:
            need, how = compile_need(cand, eager_cost, nodes, compile_cost)
        left = budget_s - elapsed()
        if left >= need:
            return None
        return f"budget: {left:.1f}s left, needs ~{need:.1f}s ({how})"

    def trial(cand: Candidate) -> CandidateResult:
        global _inductor_started
        nonlocal compile_cost, compile_total
        t = time.perf_counter()
        res = run_trial(cand, model, optimizer, batch, device_type, keep=True)
        if cand.compiles:
            compile_cost = time.perf_counter() - t
            compile_total += compile_cost
            _inductor_started = _inductor_started or res.status == "ok"
            if res.status == "ok":  # a compile that failed says nothing of its cost
                remember(cache, cost_key, cand.name, compile_cost)
        check_numerics(res, eager, cand, dropout)
        return res

    for i, cand in enumerate(cands[1:], start=1):
        if eager.status != "ok":
            results.append(_skipped(cand, "eager step failed, so no candidate can be compared"))
            continue
        why = fits(cand)
        if why is not None:
            results.append(_skipped(cand, why))
            emit(phase="candidate", index=i, name=cand.name, status="skipped")
            continue
        emit(phase="trying", index=i, name=cand.name)
        res = trial(cand)
        results.append(res)
        _keep_best(results, objective)
        emit(phase="candidate", index=i, name=cand.name, status=res.status, step_s=res.step_s)

    combo = _combination(cands, results) if objective == "speed" else None
    why = fits(combo) if combo is not None else None
    if combo is not None and why is not None:
        results.append(_skipped(combo, why))
    elif combo is not None:
        cands.append(combo)
        emit(phase="trying", index=len(cands) - 1, name=combo.name)
        res = trial(combo)
        results.append(res)
        _keep_best(results, objective)
        emit(
            phase="candidate",
            index=len(cands) - 1,
            name=combo.name,
            status=res.status,
            step_s=res.step_s,
        )

    lead = next((r for r in results[1:] if hasattr(r, "runner")), None)
    if lead is not None and hasattr(eager, "runner"):
        # Re-time eager and the leader alternately, so one noisy trial on a shared machine
        # neither picks a loser nor rejects a winner; then choose with those times.
        eager.step_s, lead.step_s = confirm(eager.runner, lead.runner)
        emit(phase="confirm", name=lead.name, eager_step_s=eager.step_s, step_s=lead.step_s)
    name, reason = choose(results, objective)
    for r in results:
        r.__dict__.pop("runner", None)  # free the kept trial copies
    chosen = next(r for r in results if r.name == name)
    cand = next(c for c in cands if c.name == name)
    applied: list[str] = []
    if name != "eager":
        try:
            strip(model)
            if cand.apply is not None:
                cand.apply(model, optimizer)
            if cand.threads:
                torch.set_num_threads(cand.threads)
                applied.append(f"torch.set_num_threads({cand.threads}) (process-wide)")
            applied.extend(f"model: {t}" for t in tags(model))
            for part in name.split(" + "):
                if part in ("optimizer:foreach", "optimizer:fused"):
                    applied.append(f"optimizer: param_groups {part.split(':', 1)[1]}=True")
                elif part.startswith("optimizer:"):
                    applied.append(f"optimizer: {part} (custom candidate)")
        except Exception as e:  # noqa: BLE001 - fall back to the untouched eager model
            strip(model)
            reason = f"installing {name} failed ({type(e).__name__}: {e}); eager kept"
            name, chosen, cand, applied = "eager", eager, cands[0], []

    compile_s = chosen.compile_s or 0.0
    recompiles = chosen.recompiles
    advice = notes + advice_for(breaks, recompiles, compile_s)
    if device_type == "cpu" and not torch.backends.mkldnn.is_available():
        advice.append("this torch build has no oneDNN: bf16 and fused CPU kernels are unavailable")

    batch_info = None
    if (
        batch_advice
        and name != "eager"
        and chosen.peak_mem_bytes is not None
        and eager.peak_mem_bytes is not None
        and chosen.peak_mem_bytes < 0.95 * eager.peak_mem_bytes
    ):
        # each larger batch is one more trial (a compiled strategy compiles again for it)
        need = (compile_cost or eager_cost) if cand.compiles else eager_cost
        batch_info = _advise_batch(
            cand,
            model,
            optimizer,
            batch,
            device_type,
            eager,
            chosen,
            lambda: elapsed() + need > budget_s,
        )

    report = CompileReport(
        framework="torch",
        objective=objective,
        strategy=name,
        reason=reason,
        candidates=results,
        **outcome_fields(eager, chosen, compile_s),
        graph_count=graph_count,
        graph_breaks=breaks,
        recompiles=recompiles,
        advice=advice,
        batch_advice=batch_info,
        memory_method=MEMORY_METHOD.get(device_type, MEMORY_METHOD["cpu"]),
        device=device_type,
        budget_s=budget_s,
        applied=applied,
        cache_dir=cache,
        compile_total_s=compile_total,
    )
    report.elapsed_s = elapsed()
    if report.elapsed_s > budget_s * 1.1:
        report.advice.append(
            f"choosing took {report.elapsed_s:.0f}s, over the {budget_s:.0f}s budget "
            f"({compile_total:.0f}s of it in compile trials): a compile that starts within the "
            "budget cannot be interrupted and took longer than estimated; raise budget_s or "
            "pass candidates= without the compile modes"
        )
    emit(phase="done", strategy=name, speedup=report.speedup)
    return Optimized(model, report)


def _keep_best(results: list[CandidateResult], objective: str) -> None:
    """Keep the runner (a live trial copy) of eager and of the leading candidate only: the
    fastest for speed; for memory/balanced the best score among those within a loose 1.6x of
    eager's time, since the final time check is re-measured side by side with eager."""
    eager = results[0]
    valid = [r for r in results[1:] if r.status == "ok" and r.numerics_ok and r.step_s]
    if objective != "speed" and eager.step_s:
        valid = [r for r in valid if r.step_s <= 1.6 * eager.step_s]

    def mem(r: CandidateResult) -> float:
        if r.peak_mem_bytes is None or not eager.peak_mem_bytes:
            return 1.0
        return r.peak_mem_bytes / eager.peak_mem_bytes

    if objective == "memory":
        key = lambda r: (mem(r), r.step_s)  # noqa: E731
    elif objective == "balanced":
        key = lambda r: r.step_s * mem(r)  # noqa: E731
    else:
        key = lambda r: r.step_s  # noqa: E731
    best = min(valid, key=key) if valid else None
    for r in results[1:]:
        if r is not best:
            r.__dict__.pop("runner", None)


def _axis(c: Candidate) -> str:
    if c.threads:
        return "threads"
    return "optimizer" if c.name.startswith("optimizer:") else "model"


def _combination(cands: list[Candidate], results: list[CandidateResult]) -> Candidate | None:
    """Winners on different axes (model transform, optimizer, threads) usually stack: combine
    the best of each axis that beat eager by the margin into one more candidate."""
    eager = results[0]
    if eager.status != "ok" or not eager.step_s:
        return None
    by_name = {c.name: c for c in cands}
    best: dict[str, tuple[float, Candidate]] = {}
    for r in results[1:]:
        c = by_name.get(r.name)
        if c is None or r.status != "ok" or not r.numerics_ok or not r.step_s:
            continue
        if r.step_s > eager.step_s * (1 - MARGIN):
            continue
        ax = _axis(c)
        if ax not in best or r.step_s < best[ax][0]:
            best[ax] = (r.step_s, c)
    if len(best) < 2:
        return None
    parts = [best[a][1] for a in ("model", "optimizer", "threads") if a in best]
    applies = [p.apply for p in parts if p.apply is not None]

    def apply(model: nn.Module, optimizer: Any) -> None:
        for f in applies:
            f(model, optimizer)

    precisions = {p.precision for p in parts}
    precision = next((x for x in ("bf16", "fp16") if x in precisions), "fp32")
    return Candidate(
        " + ".join(p.name for p in parts),
        apply,
        "combination of the best candidate on each axis",
        precision,
        compiles=any(p.compiles for p in parts),
        threads=next((p.threads for p in parts if p.threads), None),
    )


def _skipped(cand: Candidate, why: str) -> CandidateResult:
    return CandidateResult(cand.name, cand.description, status="skipped", error=why)


def _advise_batch(cand, model, optimizer, batch, device_type, eager, chosen, deadline):
    b = _batch_advice.batch_size_of(batch.args, batch.kwargs)
    if b is None:
        return None

    def measure(nb: int) -> int | None:
        big = Batch(
            tuple(_batch_advice.grow(a, b, nb) for a in batch.args),
            {k: _batch_advice.grow(v, b, nb) for k, v in batch.kwargs.items()},
            _batch_advice.grow(batch.target, b, nb),
            batch.loss_fn,
        )
        r = run_trial(
            cand, model, optimizer, big, device_type, check_steps=1, min_steps=1, max_steps=1
        )
        return r.peak_mem_bytes if r.status == "ok" else None

    lr = None
    if optimizer is not None and optimizer.param_groups:
        lr = optimizer.param_groups[0].get("lr")
        lr = float(lr) if lr is not None else None
    return _batch_advice.advise(
        measure, b, eager.peak_mem_bytes, chosen.peak_mem_bytes, lr, deadline
    )
