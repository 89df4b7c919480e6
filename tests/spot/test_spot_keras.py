"""Keras models and optimizers checkpointed through tf.train.Checkpoint (KerasState)."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytest.importorskip("torch")

from jupyter_mlkit.spot import Checkpointer, CheckpointMismatchError, KerasState  # noqa: E402


def build(units: int = 2):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)])
    opt = keras.optimizers.Adam(0.01)
    model.compile(optimizer=opt, loss="mse")
    opt.build(model.trainable_variables)
    return model, opt


def test_keras_model_and_optimizer_resume(tmp_path, monkeypatch):
    monkeypatch.setenv("MLKIT_IMDS_ENDPOINT", "")
    monkeypatch.delenv("MLKIT_SPOT_CHANNEL", raising=False)
    keras.utils.set_random_seed(0)
    x, y = np.random.rand(8, 3), np.random.rand(8, 2)
    model, opt = build()
    model.fit(x, y, epochs=3, verbose=0)
    ckpt = Checkpointer(tmp_path, every_seconds=None).track(
        keras=KerasState(model=model, optimizer=opt)
    )
    ckpt.restore()
    ckpt.save(3, blocking=True)
    ckpt.close()
    weights = [w.copy() for w in model.get_weights()]
    slots = [v.numpy().copy() for v in opt.variables]

    model2, opt2 = build()
    ckpt2 = Checkpointer(tmp_path, every_seconds=None)
    ckpt2.track(keras=KerasState(model=model2, optimizer=opt2))
    assert ckpt2.restore() == 3
    ckpt2.close()
    assert all(np.array_equal(a, b) for a, b in zip(weights, model2.get_weights(), strict=True))
    assert int(opt2.iterations.numpy()) == 3  # one batch per epoch
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(slots, opt2.variables, strict=True))

    other, other_opt = build(units=5)
    ckpt3 = Checkpointer(tmp_path, every_seconds=None)
    ckpt3.track(keras=KerasState(model=other, optimizer=other_opt))
    with pytest.raises(
        CheckpointMismatchError, match=r"state of 'keras' does not fit it.*\(3, 5\)"
    ):
        ckpt3.restore()
    ckpt3.close()


def test_resumed_keras_run_draws_the_same_random_numbers(tmp_path):
    """Two fresh processes (stopped after step 3, then resumed) draw what one uninterrupted
    process draws, from every TF/Keras source: op-level seeds, tf.random's global generator,
    keras.random and a Dropout layer. Without the restored RNG state the resumed process would
    repeat the draws of steps 0..2."""
    import json
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    script = str(Path(__file__).parent / "keras_rng_train.py")
    repo = str(Path(__file__).parent.parent.parent)
    env = {**os.environ, "PYTHONPATH": repo, "MLKIT_IMDS_ENDPOINT": ""}
    env.pop("MLKIT_SPOT_CHANNEL", None)

    def run(*args: str) -> None:
        subprocess.run([sys.executable, script, *args], env=env, check=True, timeout=180)

    with ThreadPoolExecutor(2) as pool:  # the uninterrupted run beside the interrupted one
        whole = pool.submit(run, str(tmp_path / "a"), str(tmp_path / "whole.json"), "6")
        run(str(tmp_path / "b"), str(tmp_path / "first.json"), "6", "3")
        whole.result()
    run(str(tmp_path / "b"), str(tmp_path / "resumed.json"), "6")
    expected = json.loads((tmp_path / "whole.json").read_text())
    first = json.loads((tmp_path / "first.json").read_text())
    resumed = json.loads((tmp_path / "resumed.json").read_text())
    assert sorted(first) == ["0", "1", "2"] and sorted(resumed) == ["3", "4", "5"]
    assert first == {k: expected[k] for k in first}
    for step, draws in resumed.items():
        for source, got, want in zip(
            ("tf.random.uniform", "global generator", "keras.random", "Dropout"),
            draws,
            expected[step],
            strict=True,
        ):
            assert got == want, f"step {step}: {source} differs after resume"
    assert resumed["3"] != expected["0"]  # the streams really moved on
