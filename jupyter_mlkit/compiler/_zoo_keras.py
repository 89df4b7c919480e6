"""Keras zoo models (see zoo.py), functional API so clone_model and dtype policies work."""

from __future__ import annotations

import numpy as np

from .zoo import ZooCase


def _k():
    import keras

    return keras


def _rng(seed):
    _k().utils.set_random_seed(seed)
    return np.random.default_rng(seed)


def _encoder(c, seed, causal):
    keras = _k()
    L = keras.layers
    rng = _rng(seed)
    ids = keras.Input((c["seq"],), dtype="int32")
    h = L.Embedding(c["vocab"], c["d"])(ids)
    pos = L.Embedding(c["seq"], c["d"])(keras.ops.arange(c["seq"]))
    h = h + pos
    for _ in range(c["layers"]):
        a = L.LayerNormalization()(h)
        a = L.MultiHeadAttention(c["heads"], c["d"] // c["heads"])(a, a, use_causal_mask=causal)
        h = h + a
        f = L.LayerNormalization()(h)
        f = L.Dense(c["d"], activation=None)(L.Dense(4 * c["d"], activation="gelu")(f))
        h = h + f
    h = L.LayerNormalization()(h)
    return keras, L, rng, ids, h


def bert(c, seed) -> ZooCase:
    keras, L, rng, ids, h = _encoder(c, seed, causal=False)
    out = L.Dense(c["classes"])(h[:, 0])
    x = rng.integers(0, c["vocab"], (c["batch"], c["seq"])).astype("int32")
    y = rng.integers(0, c["classes"], (c["batch"],)).astype("int32")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return ZooCase(keras.Model(ids, out), x, y, loss)


def gpt(c, seed) -> ZooCase:
    keras, L, rng, ids, h = _encoder(c, seed, causal=True)
    out = L.Dense(c["vocab"])(h)
    tokens = rng.integers(0, c["vocab"], (c["batch"], c["seq"] + 1)).astype("int32")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return ZooCase(keras.Model(ids, out), tokens[:, :-1], tokens[:, 1:], loss)


def _images(c, rng):
    x = rng.standard_normal((c["batch"], c["res"], c["res"], 3)).astype("float32")
    y = rng.integers(0, c["classes"], (c["batch"],)).astype("int32")
    return x, y


def resnet(c, seed) -> ZooCase:
    keras = _k()
    L = keras.layers
    rng = _rng(seed)
    inp = keras.Input((c["res"], c["res"], 3))
    h = L.ReLU()(L.BatchNormalization()(L.Conv2D(c["width"], 3, padding="same")(inp)))
    for stage in range(3):
        w = c["width"] * 2**stage
        for i in range(c["blocks"]):
            stride = 2 if (i == 0 and stage > 0) else 1
            r = L.Conv2D(w, 3, stride, padding="same", use_bias=False)(h)
            r = L.ReLU()(L.BatchNormalization()(r))
            r = L.BatchNormalization()(L.Conv2D(w, 3, padding="same", use_bias=False)(r))
            skip = h if (stride == 1 and h.shape[-1] == w) else L.Conv2D(w, 1, stride)(h)
            h = L.ReLU()(r + skip)
    out = L.Dense(c["classes"])(L.GlobalAveragePooling2D()(h))
    x, y = _images(c, rng)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return ZooCase(keras.Model(inp, out), x, y, loss)


def efficientnet(c, seed) -> ZooCase:
    keras = _k()
    L = keras.layers
    rng = _rng(seed)
    inp = keras.Input((c["res"], c["res"], 3))
    h = L.Activation("silu")(L.BatchNormalization()(L.Conv2D(c["width"], 3, 2, "same")(inp)))
    for stage in range(3):
        w = c["width"] * (stage + 1)
        for i in range(c["blocks"]):
            stride = 2 if (i == 0 and stage > 0) else 1
            cin = h.shape[-1]
            e = L.Activation("silu")(L.BatchNormalization()(L.Conv2D(cin * 4, 1)(h)))
            e = L.DepthwiseConv2D(3, stride, padding="same")(e)
            e = L.Activation("silu")(L.BatchNormalization()(e))
            s = L.GlobalAveragePooling2D(keepdims=True)(e)
            s = L.Conv2D(cin * 4, 1, activation="sigmoid")(
                L.Conv2D(max(1, cin // 4), 1, activation="silu")(s)
            )
            p = L.BatchNormalization()(L.Conv2D(w, 1)(e * s))
            h = p + h if (stride == 1 and cin == w) else p
    out = L.Dense(c["classes"])(L.GlobalAveragePooling2D()(h))
    x, y = _images(c, rng)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return ZooCase(keras.Model(inp, out), x, y, loss)


def lstm(c, seed) -> ZooCase:
    keras = _k()
    L = keras.layers
    rng = _rng(seed)
    inp = keras.Input((c["seq"], c["features"]))
    h = inp
    for i in range(c["layers"]):
        h = L.LSTM(c["hidden"], return_sequences=i < c["layers"] - 1)(h)
    out = L.Dense(1)(h)
    x = rng.standard_normal((c["batch"], c["seq"], c["features"])).astype("float32")
    y = (x[:, -1, :1] * 0.5).astype("float32")
    return ZooCase(keras.Model(inp, out), x, y, keras.losses.MeanSquaredError())


def dlrm(c, seed) -> ZooCase:
    keras = _k()
    L = keras.layers
    rng = _rng(seed)
    dense = keras.Input((c["dense"],))
    sparse = keras.Input((c["tables"],), dtype="int32")
    d = L.Dense(c["emb"])(L.Dense(c["hidden"], activation="relu")(dense))
    embs = [L.Embedding(c["rows"], c["emb"])(sparse[:, i]) for i in range(c["tables"])]
    feats = keras.ops.stack([d, *embs], axis=1)
    inter = keras.ops.matmul(feats, keras.ops.transpose(feats, (0, 2, 1)))
    n = c["tables"] + 1
    iu = np.triu_indices(n, 1)
    flat = keras.ops.take(keras.ops.reshape(inter, (-1, n * n)), iu[0] * n + iu[1], axis=1)
    top = keras.ops.concatenate([d, flat], axis=1)
    top = L.Dense(c["hidden"] // 2, activation="relu")(L.Dense(c["hidden"], activation="relu")(top))
    out = L.Dense(1)(top)
    xd = rng.standard_normal((c["batch"], c["dense"])).astype("float32")
    xs = rng.integers(0, c["rows"], (c["batch"], c["tables"])).astype("int32")
    y = rng.integers(0, 2, (c["batch"], 1)).astype("float32")
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    return ZooCase(keras.Model([dense, sparse], out), [xd, xs], y, loss)


def mlp(c, seed) -> ZooCase:
    keras = _k()
    L = keras.layers
    rng = _rng(seed)
    inp = keras.Input((c["features"],))
    h = inp
    for _ in range(c["layers"]):
        h = L.Dense(c["hidden"], activation="relu")(h)
    out = L.Dense(c["classes"])(h)
    x = rng.standard_normal((c["batch"], c["features"])).astype("float32")
    y = rng.integers(0, c["classes"], (c["batch"],)).astype("int32")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return ZooCase(keras.Model(inp, out), x, y, loss)
