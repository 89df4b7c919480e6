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
    model.compile(optimizer=opt, loss=case.loss_fn, run_eagerly=True)
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
    assert r.peak_mem_bytes is None and "not measured" in r.memory_method
    assert events[0]["phase"] == "start" and events[-1]["phase"] == "done"
    model.train_on_batch(case.example_inputs, case.example_target)  # still trains


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
