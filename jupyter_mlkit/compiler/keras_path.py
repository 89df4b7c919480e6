"""`optimize` for Keras 3 models on the TensorFlow backend.

Candidates: eager (`run_eagerly=True`), graph (`tf.function`), XLA (`jit_compile=True`) and mixed
precision policies. Trials run on `clone_model` copies with the user's weights copied in and a
fresh optimizer built from the user's optimizer config; the winner is installed by re-compiling
the user's model with the same optimizer object and loss (weights and optimizer state are kept).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from ._choose import choose, outcome_fields
from ._keras_memory import (
    allocator_peak_step,
    cpu_allocator_stats,
    memory_method,
    resident_bytes,
    rss_peak_step,
)
from .candidate import Candidate
from .report import CandidateResult, CompileReport, Optimized


def _tf():
    try:
        import keras
        import tensorflow as tf
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise ImportError(
            "the Keras path needs TensorFlow: pip install 'jupyter_mlkit[tensorflow]'"
        ) from e
    return tf, keras


def set_policy(policy: str) -> Callable[[Any, Any], None]:
    """Mixed precision in place: every layer but the last computes in `policy`; the output layer
    stays float32 (Keras' own advice for numerically stable losses)."""

    def apply(model: Any, optimizer: Any) -> None:
        layers = [lyr for lyr in model._flatten_layers(include_self=False) if lyr.weights]
        for lyr in layers[:-1]:
            lyr.dtype_policy = policy

    return apply


def _bf16_native(tf: Any) -> bool:
    if tf.config.list_physical_devices("GPU"):
        return True
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:  # not Linux: assume no native bf16
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def builtin_candidates(tf: Any) -> list[Candidate]:
    gpu = bool(tf.config.list_physical_devices("GPU"))
    c = [
        Candidate("eager", None, "run_eagerly=True", options={"run_eagerly": True}),
        Candidate("graph", None, "tf.function graph", options={"jit_compile": False}),
        Candidate(
            "xla", None, "XLA, jit_compile=True", compiles=True, options={"jit_compile": True}
        ),
    ]
    if _bf16_native(tf):
        c.append(
            Candidate(
                "xla+mixed_bfloat16",
                set_policy("mixed_bfloat16"),
                "",
                "bf16",
                compiles=True,
                options={"jit_compile": True},
            )
        )
        c.append(
            Candidate(
                "graph+mixed_bfloat16",
                set_policy("mixed_bfloat16"),
                "",
                "bf16",
                options={"jit_compile": False},
            )
        )
    if gpu:
        c.append(
            Candidate(
                "xla+mixed_float16",
                set_policy("mixed_float16"),
                "",
                "fp16",
                compiles=True,
                options={"jit_compile": True},
            )
        )
    return c


def _resolve(requested: list[Any] | None, tf: Any) -> list[Candidate]:
    menu = builtin_candidates(tf)
    if requested is None:
        return menu
    by_name = {c.name: c for c in menu}
    out = [by_name["eager"]]
    for r in requested:
        c = r if isinstance(r, Candidate) else by_name.get(r)
        if c is None:
            raise ValueError(f"unknown Keras candidate {r!r}; built-in names: {sorted(by_name)}")
        if c.name != "eager":
            out.append(c)
    return out


def _fresh_optimizer(keras: Any, optimizer: Any, model: Any) -> Any:
    src = optimizer if optimizer is not None else getattr(model, "optimizer", None)
    if src is None:
        return keras.optimizers.SGD(1e-3)
    return src.__class__.from_config(src.get_config())


def _clone(keras: Any, model: Any) -> Any:
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return clone


def _peak_gpu(tf: Any) -> Any:
    try:
        return int(tf.config.experimental.get_memory_info("GPU:0")["peak"])
    except Exception:  # noqa: BLE001 - no GPU: memory not measured
        return None


def user_compile_args(model: Any) -> dict[str, Any]:
    """What the user's own ``compile()`` set besides optimizer, loss and the execution mode.

    Installing a winner calls ``compile`` again; metrics, loss weights and steps per execution
    are carried over so ``fit`` reports and behaves as before.
    """
    config = getattr(getattr(model, "_compile_config", None), "config", None) or {}
    keep = ("metrics", "weighted_metrics", "loss_weights", "steps_per_execution")
    return {k: config[k] for k in keep if config.get(k) is not None}


def trial_cost_estimate(
    cand: Any, eager_s: float, slowest_s: float, compiled_s: float | None
) -> float:
    """Seconds a Keras trial is expected to take, so one that cannot fit the budget is skipped.

    An XLA compile cannot be interrupted once started: a compiling candidate is expected to
    cost what the last compiling trial cost, or before any, twice the slowest trial so far.
    """
    if not getattr(cand, "compiles", False):
        return eager_s
    return compiled_s if compiled_s is not None else 2.0 * slowest_s


def run_trial(
    cand, model, x, y, loss, optimizer, *, check_steps=3, min_steps=3, max_steps=10, time_cap_s=3.0
) -> CandidateResult:
    tf, keras = _tf()
    res = CandidateResult(cand.name, cand.description)
    try:
        keras.utils.set_random_seed(0)
        m = _clone(keras, model)
        if cand.apply is not None:
            cand.apply(m, None)
        m.compile(
            optimizer=_fresh_optimizer(keras, optimizer, model),
            loss=loss,
            **{"jit_compile": False, "run_eagerly": False, **cand.options},
        )
        gpu = bool(tf.config.list_physical_devices("GPU"))
        if gpu:
            tf.config.experimental.reset_memory_stats("GPU:0")
        times = []
        for _ in range(check_steps):
            t = time.perf_counter()
            # a dict: the clone may carry the user's metrics (train_on_batch then gives a list)
            res.losses.append(float(m.train_on_batch(x, y, return_dict=True)["loss"]))
            times.append(time.perf_counter() - t)
        steady: list[float] = []
        t0 = time.perf_counter()
        while len(steady) < max_steps and (
            len(steady) < min_steps or time.perf_counter() - t0 < time_cap_s
        ):
            t = time.perf_counter()
            m.train_on_batch(x, y)
            steady.append(time.perf_counter() - t)
        res.step_s = statistics.median(steady)
        warm = max(0.0, sum(times) - res.step_s * len(times))
        res.compile_s = 0.0 if cand.options.get("run_eagerly") else warm
        if gpu:
            res.peak_mem_bytes = _peak_gpu(tf)
        else:

            def step() -> None:
                m.train_on_batch(x, y)

            if cpu_allocator_stats(tf):
                rise: int | None = allocator_peak_step(tf, step)
            else:
                rise = rss_peak_step(step)
            res.peak_mem_bytes = None if rise is None else rise + resident_bytes(m)
        if not all(math.isfinite(v) for v in res.losses):
            raise ValueError(f"non-finite loss {res.losses}")
        res.status = "ok"
    except Exception as e:  # noqa: BLE001 - a failing candidate is a result
        res.status = "failed"
        lines = [ln for ln in str(e).strip().splitlines() if ln.strip()]
        res.error = f"{type(e).__name__}: {lines[0] if lines else ''}"[:400]
    return res


def _check(res: CandidateResult, eager: CandidateResult, cand: Candidate) -> None:
    if res is eager:
        if res.status == "ok":
            res.numerics_ok, res.max_rel_loss_diff, res.tolerance = True, 0.0, 0.0
        return
    if res.status != "ok" or eager.status != "ok":
        return
    res.tolerance = cand.tol()
    diffs = [abs(a - b) / max(abs(b), 1e-3) for a, b in zip(res.losses, eager.losses, strict=False)]
    res.max_rel_loss_diff = max(diffs) if diffs else 0.0
    res.numerics_ok = res.max_rel_loss_diff <= res.tolerance
    if not res.numerics_ok:
        res.status = "rejected"
        res.error = (
            f"numerical check failed: max relative loss difference {res.max_rel_loss_diff:.3g}"
            f" > tolerance {res.tolerance:g}"
        )


def optimize_keras(
    model: Any,
    example_inputs: Any,
    *,
    loss_fn: Any,
    example_target: Any,
    optimizer: Any,
    objective: str,
    budget_s: float,
    candidates: list[Any] | None,
    progress: Callable[[dict], None] | None = None,
    batch_advice: bool = True,
) -> Optimized:
    t0 = time.perf_counter()
    tf, keras = _tf()
    loss = loss_fn if loss_fn is not None else getattr(model, "loss", None)
    cands = _resolve(candidates, tf)
    emit = progress or (lambda e: None)
    emit({"phase": "start", "total": len(cands), "candidates": [c.name for c in cands]})
    results: list[CandidateResult] = []
    if loss is None:
        eager = CandidateResult(
            "eager",
            status="failed",
            error="no loss_fn given and the model is not compiled with a loss",
        )
    else:
        eager = run_trial(cands[0], model, example_inputs, example_target, loss, optimizer)
    _check(eager, eager, cands[0])
    results.append(eager)
    eager_cost = time.perf_counter() - t0
    slowest, compiled = eager_cost, None
    for i, cand in enumerate(cands[1:], start=1):
        left = budget_s - (time.perf_counter() - t0)
        need = trial_cost_estimate(cand, eager_cost, slowest, compiled)
        if eager.status != "ok" or left < need:
            why = (
                "eager step failed"
                if eager.status != "ok"
                else f"budget: {left:.1f}s left, needs ~{need:.1f}s"
            )
            results.append(CandidateResult(cand.name, cand.description, "skipped", error=why))
            continue
        emit({"phase": "trying", "index": i, "name": cand.name})
        started = time.perf_counter()
        res = run_trial(cand, model, example_inputs, example_target, loss, optimizer)
        took = time.perf_counter() - started
        slowest = max(slowest, took)
        if cand.compiles:
            compiled = took
        _check(res, eager, cand)
        results.append(res)
        emit(
            {
                "phase": "candidate",
                "index": i,
                "name": cand.name,
                "status": res.status,
                "step_s": res.step_s,
            }
        )

    name, reason = choose(results, objective)
    chosen = next(r for r in results if r.name == name)
    cand = next(c for c in cands if c.name == name)
    applied: list[str] = []
    if name != "eager" and loss is not None:
        try:
            opt = optimizer if optimizer is not None else getattr(model, "optimizer", None)
            if opt is None:
                opt = keras.optimizers.SGD(1e-3)
                applied.append("optimizer: SGD(1e-3) (none was given)")
            kept = user_compile_args(model)
            if cand.apply is not None:
                cand.apply(model, opt)
                applied.append(f"layers: {cand.name.split('+')[-1]} dtype policy")
            model.compile(
                optimizer=opt,
                loss=loss,
                **{**kept, "jit_compile": False, "run_eagerly": False, **cand.options},
            )
            applied.append(
                f"model.compile({', '.join(f'{k}={v}' for k, v in cand.options.items())})"
            )
        except Exception as e:  # noqa: BLE001 - keep the model usable
            reason = f"installing {name} failed ({type(e).__name__}: {e}); eager kept"
            name, chosen, applied = "eager", eager, []
    graph = next((r for r in results if r.name == "graph" and r.status == "ok"), None)
    if graph is not None and chosen.step_s and name not in ("eager", "graph"):
        reason += f"; {graph.step_s / chosen.step_s:.2f}x the plain tf.function graph"
    compile_s = chosen.compile_s or 0.0
    report = CompileReport(
        framework="keras",
        objective=objective,
        strategy=name,
        reason=reason,
        candidates=results,
        **outcome_fields(eager, chosen, compile_s),
        advice=[
            "'eager' here is run_eagerly=True; Keras' default fit() already runs a tf.function "
            "graph, so compare with the 'graph' row too",
            "XLA recompiles for every new input shape: keep batch and sequence sizes fixed "
            "(drop_remainder=True, padding to max length)",
        ],
        memory_method=memory_method(tf),
        device="gpu" if tf.config.list_physical_devices("GPU") else "cpu",
        budget_s=budget_s,
        applied=applied,
    )
    report.elapsed_s = time.perf_counter() - t0
    emit({"phase": "done", "strategy": name, "speedup": report.speedup})
    return Optimized(model, report)
