"""Keras / TensorFlow objects in a Checkpointer, through tf.train.Checkpoint.

    ckpt.track(keras=KerasState(model=model, optimizer=optimizer))

tf.train.Checkpoint writes its own files (an index and data shards); they are carried inside our
checkpoint as byte tensors, so the manifest, sha256 check, retention and S3 upload apply to them
like to everything else. Build the optimizer (``optimizer.build(model.trainable_variables)``)
before ``restore()`` so its slot variables exist to receive their values.
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


class KerasState:
    """Adapter giving tf.train.Checkpoint-able objects (Keras models, optimizers, tf.Variables,
    tf.random.Generator) the state_dict()/load_state_dict() pair the Checkpointer tracks."""

    def __init__(self, **objects: Any):
        if not objects:
            raise ValueError("KerasState needs objects, e.g. KerasState(model=m, optimizer=opt)")
        self.objects = objects

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
        return {"prefix": os.path.basename(prefix), "files": files}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with tempfile.TemporaryDirectory(prefix="mlkit-keras-") as d:
            for name, tensor in state["files"].items():
                Path(d, name).write_bytes(tensor.numpy().tobytes())
            status = self._checkpoint().read(os.path.join(d, state["prefix"]))
            # every object we hold must find its values: another model is an error, not a no-op
            status.assert_existing_objects_matched()
