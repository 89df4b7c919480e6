"""The Keras (TensorFlow backend) path on a tiny model: one import of TensorFlow, no XLA."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from jupyter_mlkit.compiler import Candidate, optimize, zoo  # noqa: E402


def _double_output(model, optimizer):
    last = model.layers[-1]
    last.kernel.assign(last.kernel * 2.0)  # on the clone only: changes the loss


def test_keras_graph_beats_eager_and_installs_in_place():
    import keras

    case = zoo.build("mlp", "keras", "tiny")
    model = case.model
    opt = keras.optimizers.Adam(1e-3)
    model.compile(optimizer=opt, loss=case.loss_fn, run_eagerly=True, metrics=["acc"])
    model.train_on_batch(case.example_inputs, case.example_target)  # optimizer has state now
    weights = [w.copy() for w in model.get_weights()]
    opt_vars = [v.numpy().copy() for v in opt.variables]
    events = []
    out = optimize(
        model,
        case.example_inputs,
        loss_fn=case.loss_fn,
        example_target=case.example_target,
        optimizer=opt,
        budget_s=300,
        progress=events.append,
        candidates=["graph", Candidate("perturbed", _double_output)],
    )
    r = out.report
    assert out.model is model and r.framework == "keras"
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights(), strict=True))
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(opt_vars, opt.variables, strict=True))
    assert r.candidate("perturbed").status == "rejected"
    assert r.candidate("graph").numerics_ok
    # run_eagerly=True dispatches op by op; the tf.function graph is many times faster
    assert r.strategy == "graph" and r.speedup > 1.05
    assert model.optimizer is opt and model.run_eagerly is False
    assert r.peak_mem_bytes > 0 and "CPU:" in r.memory_method
    assert events[0]["phase"] == "start" and events[-1]["phase"] == "done"
    # still trains, and still reports the metric the user compiled it with
    logs = model.train_on_batch(case.example_inputs, case.example_target, return_dict=True)
    assert set(logs) == {"loss", "acc"}


def test_keras_without_loss_reports_instead_of_raising():
    case = zoo.build("mlp", "keras", "tiny")
    r = optimize(
        case.model,
        case.example_inputs,
        example_target=case.example_target,
        budget_s=10,
        candidates=["graph"],
    ).report
    assert r.strategy == "eager" and "not compiled with a loss" in r.reason
    assert r.candidate("graph").status == "skipped"


# Run in a fresh process: the resident-memory method sees what a step adds to the process, and
# TensorFlow keeps memory pooled once an earlier test has grown it.
PEAK_BY_BATCH = """
import json, sys
import numpy as np
import keras
from jupyter_mlkit.compiler import optimize

out = {}
for batch in (32, 1024):
    keras.utils.set_random_seed(0)
    inp = keras.Input((256,))
    h = keras.layers.Dense(512, activation="relu")(inp)
    model = keras.Model(inp, keras.layers.Dense(10)(keras.layers.Dense(512, activation="relu")(h)))
    x = np.random.rand(batch, 256).astype("float32")
    y = np.random.randint(0, 10, batch)
    r = optimize(model, x, loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                 example_target=y, candidates=["graph"], budget_s=300).report
    out[batch] = {c.name: c.peak_mem_bytes for c in r.candidates}
    out["method"] = r.memory_method
    out["eager_field"], out["field"] = r.peak_mem_eager_bytes, r.peak_mem_bytes
print(json.dumps(out))
"""


def test_keras_cpu_peak_memory_is_measured_and_grows_with_the_batch():
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    res = subprocess.run(
        [sys.executable, "-c", PEAK_BY_BATCH], capture_output=True, text=True, env=env, timeout=300
    )
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["method"].startswith("CPU: ")
    small, big = out["32"], out["1024"]
    weights = (256 * 512 + 512 * 512 + 512 * 10) * 4
    for name in ("eager", "graph"):
        assert small[name] > weights and big[name] > small[name], (name, small, big)
    assert out["eager_field"] == big["eager"] and out["field"] > 0


def test_resident_memory_fallback_sees_what_a_step_allocates():
    """Where TensorFlow's CPU allocator keeps no statistics, the high-water mark of the
    process's resident memory (reset per step) is the measure."""
    from jupyter_mlkit.compiler._keras_memory import rss_peak_step

    def step(mib):
        def run():
            b = b"\x01" * (mib * 2**20)  # written: every page becomes resident
            del b

        return run

    small, big = rss_peak_step(step(8)), rss_peak_step(step(64))
    assert 0.9 * 8 * 2**20 <= small < big and big >= 0.9 * 64 * 2**20


def test_keras_trial_cost_estimate_guards_the_budget_before_an_xla_compile():
    from jupyter_mlkit.compiler.keras_path import trial_cost_estimate

    graph = Candidate("graph", None, options={"jit_compile": False})
    xla = Candidate("xla", None, compiles=True, options={"jit_compile": True})
    assert trial_cost_estimate(graph, 1.5, 4.0, None) == 1.5
    assert trial_cost_estimate(xla, 1.5, 4.0, None) == 8.0  # twice the slowest trial so far
    assert trial_cost_estimate(xla, 1.5, 4.0, 6.0) == 6.0  # the last compiling trial's cost


def test_keras_no_budget_left_skips_every_candidate_with_the_reason():
    case = zoo.build("mlp", "keras", "tiny")
    r = optimize(
        case.model,
        case.example_inputs,
        loss_fn=case.loss_fn,
        example_target=case.example_target,
        budget_s=1e-6,  # spent by the eager trial itself
        candidates=["graph", "xla"],
    ).report
    assert r.strategy == "eager"
    for name in ("graph", "xla"):
        assert r.candidate(name).status == "skipped"
        assert r.candidate(name).error.startswith("budget: ")
