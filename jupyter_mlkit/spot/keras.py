"""Keras / TensorFlow objects in a Checkpointer, through tf.train.Checkpoint.

    ckpt.track(keras=KerasState(model=model, optimizer=optimizer))

tf.train.Checkpoint writes its own files (an index and data shards); they are carried inside our
checkpoint as byte tensors, so the manifest, sha256 check, retention and S3 upload apply to them
like to everything else. Build the optimizer (``optimizer.build(model.trainable_variables)``)
before ``restore()`` so its slot variables exist to receive their values.

TensorFlow's random state travels too (``rng=True``): the global ``tf.random.Generator``, the
stream of op-level seeds that eager random ops (``tf.random.uniform`` after
``tf.random.set_seed``) draw from, Keras' global seed generator (``keras.random.*`` without a
seed) and the seed generators of the tracked models' layers (Dropout and other random layers,
which tf.train.Checkpoint leaves out). Not restorable: the internal counters of stateful random
ops inside a ``tf.function`` (use ``tf.random.Generator`` or stateless ops there).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any


def _tf():
    try:
        import tensorflow as tf
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "KerasState needs TensorFlow: pip install 'jupyter_mlkit[tensorflow]'"
        ) from exc
    return tf


def _random_list(rng: Any) -> list:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _eager_context() -> Any:
    """TensorFlow's eager context (private API: where the op-level seed stream lives)."""
    try:
        from tensorflow.python.eager import context
    except ImportError:  # pragma: no cover - TensorFlow layout changed
        return None
    return context.context()


def _keras_global_seed_generator(create: bool) -> Any:
    try:  # private location in Keras 3; without it keras.random.* stays unrestored
        from keras.src.backend.common import global_state
        from keras.src.random import seed_generator
    except ImportError:  # pragma: no cover - Keras 2, or a changed layout
        return None
    if create:
        return seed_generator.global_seed_generator()
    return global_state.get_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR)


def _ints(tensor: Any) -> list[int]:
    return [int(v) for v in tensor.numpy().ravel()]


def tf_rng_state(objects: dict[str, Any] | None = None) -> dict[str, Any]:
    """TensorFlow's and Keras' random state, as plain lists (loadable with weights_only)."""
    tf = _tf()
    gen = tf.random.get_global_generator()
    out: dict[str, Any] = {
        "global_generator": {"algorithm": int(gen.algorithm), "state": _ints(gen.state)}
    }
    ctx = _eager_context()
    if ctx is not None and getattr(ctx, "_rng", None) is not None:  # set by tf.random.set_seed
        out["op_seed"] = {"global_seed": int(ctx._seed), "rng": _random_list(ctx._rng)}
    keras_gen = _keras_global_seed_generator(create=False)
    if keras_gen is not None:
        out["keras_global"] = _ints(keras_gen.state)
    out["layer_seeds"] = [_ints(v) for v in _layer_seed_variables(objects or {})]
    return out


def set_tf_rng_state(state: dict[str, Any], objects: dict[str, Any] | None = None) -> None:
    """Inverse of :func:`tf_rng_state`."""
    tf = _tf()
    saved = state["global_generator"]
    gen = tf.random.get_global_generator()
    if int(gen.algorithm) == saved["algorithm"]:
        gen.reset(saved["state"])  # in place: references the script holds stay valid
    else:
        tf.random.set_global_generator(
            tf.random.Generator.from_state(saved["state"], saved["algorithm"])
        )
    op = state.get("op_seed")
    ctx = _eager_context()
    if op is not None and ctx is not None:
        tf.random.set_seed(op["global_seed"])  # also clears kernels cached under old seeds
        version, internal, gauss = op["rng"]
        ctx._rng.setstate((version, tuple(internal), gauss))
    if state.get("keras_global") is not None:
        keras_gen = _keras_global_seed_generator(create=True)
        if keras_gen is not None:
            keras_gen.state.assign(state["keras_global"])
    layers = _layer_seed_variables(objects or {})
    saved_layers = state.get("layer_seeds", [])
    if len(saved_layers) != len(layers):
        raise ValueError(
            f"the checkpoint holds {len(saved_layers)} layer seed generator(s), the tracked "
            f"models have {len(layers)}"
        )
    for var, value in zip(layers, saved_layers, strict=True):
        var.assign(value)


def _layer_seed_variables(objects: dict[str, Any]) -> list[Any]:
    """State variables of the seed generators inside tracked Keras models, in model order."""
    found: list[Any] = []
    seen: set[int] = set()
    for obj in objects.values():
        for var in getattr(obj, "variables", None) or []:
            path = str(getattr(var, "path", "") or getattr(var, "name", ""))
            if path.endswith("seed_generator_state") and id(var) not in seen:
                seen.add(id(var))
                found.append(var)
    return found


class KerasState:
    """Adapter giving tf.train.Checkpoint-able objects (Keras models, optimizers, tf.Variables,
    tf.random.Generator) the state_dict()/load_state_dict() pair the Checkpointer tracks.

    ``rng``: carry TensorFlow's and Keras' random state as well (see the module docstring).
    """

    def __init__(self, *, rng: bool = True, **objects: Any):
        if not objects:
            raise ValueError("KerasState needs objects, e.g. KerasState(model=m, optimizer=opt)")
        self.objects = objects
        self.rng = rng

    def _checkpoint(self):
        return _tf().train.Checkpoint(**self.objects)

    def state_dict(self) -> dict[str, Any]:
        import torch

        with tempfile.TemporaryDirectory(prefix="mlkit-keras-") as d:
            prefix = self._checkpoint().write(os.path.join(d, "keras"))
            files = {}
            for name in sorted(os.listdir(d)):
                data = bytearray(Path(d, name).read_bytes())
                files[name] = (
                    torch.frombuffer(data, dtype=torch.uint8).clone()
                    if data
                    else torch.empty(0, dtype=torch.uint8)
                )
        state: dict[str, Any] = {"prefix": os.path.basename(prefix), "files": files}
        if self.rng:
            state["rng"] = tf_rng_state(self.objects)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with tempfile.TemporaryDirectory(prefix="mlkit-keras-") as d:
            for name, tensor in state["files"].items():
                Path(d, name).write_bytes(tensor.numpy().tobytes())
            status = self._checkpoint().read(os.path.join(d, state["prefix"]))
            # every object we hold must find its values: another model is an error, not a no-op
            status.assert_existing_objects_matched()
        if self.rng and "rng" in state:
            set_tf_rng_state(state["rng"], self.objects)
