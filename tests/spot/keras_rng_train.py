"""A Keras "training" loop that draws from every TensorFlow / Keras random source (child process).

Each step records: an eager op-level draw (tf.random.uniform after tf.random.set_seed), a draw
from tf.random's global generator, keras.random.uniform (Keras' global seed generator) and a
Dropout mask (the layer's own seed generator). A checkpoint is saved every step.
Usage: keras_rng_train.py CHECKPOINT_DIR OUT_JSON STEPS [STOP_AFTER]
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from jupyter_mlkit.spot import Checkpointer, KerasState  # noqa: E402


def main() -> None:
    ck, out, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    stop_after = int(sys.argv[4]) if len(sys.argv) > 4 else None
    keras.utils.set_random_seed(0)
    tf.random.set_global_generator(tf.random.Generator.from_seed(1))
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dropout(0.5)])
    ckpt = Checkpointer(ck, every_steps=1, every_seconds=None, imds=False)
    ckpt.track(keras=KerasState(model=model))
    start = ckpt.restore()
    draws = {}
    for step in range(start, steps):
        draws[step] = [
            tf.random.uniform((2,)).numpy().tolist(),
            tf.random.get_global_generator().normal((2,)).numpy().tolist(),
            keras.random.uniform((2,)).numpy().tolist(),
            model(tf.ones((1, 6)), training=True).numpy().tolist(),
        ]
        ckpt.step(step + 1)
        if stop_after is not None and step + 1 == stop_after:
            break
    ckpt.close()
    with open(out, "w") as fh:
        json.dump(draws, fh)


if __name__ == "__main__":
    main()
