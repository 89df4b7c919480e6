"""The KLL engine: accuracy, determinism, agreement with Apache DataSketches."""

from __future__ import annotations

import numpy as np
import pytest

from jupyter_mlkit.monitor.sketch import KLLSketch, WeightedItems, kll_buckets, sketch_pairs


def _max_cdf_error(sketch, data):
    w = WeightedItems(*sketch_pairs(sketch))
    srt = np.sort(data)
    q = np.quantile(srt, np.linspace(0.001, 0.999, 300))
    exact = np.searchsorted(srt, q, side="right") / len(srt)
    return float(np.abs(w.cdf(q) - exact).max()), w


def test_small_streams_are_exact_and_in_order():
    s = KLLSketch()
    s.update(np.array([3.0, 1.0, 2.0]))
    s.update(np.array([5.0]))
    assert s.level_lists() == [[3.0, 1.0, 2.0, 5.0]]
    w = WeightedItems(*s.pairs())
    assert w.cdf(np.array([2.0, 5.0])).tolist() == [0.5, 1.0]


@pytest.mark.parametrize("batch", [1000, 65_536])
def test_accuracy_weight_and_determinism(batch):
    rng = np.random.default_rng(11)
    data = rng.lognormal(size=300_000)
    a, b = KLLSketch(), KLLSketch()
    for i in range(0, len(data), batch):
        a.update(data[i : i + batch])
        b.update(data[i : i + batch])
    err, w = _max_cdf_error(a, data)
    assert w.total == len(data)  # every item's weight is kept
    assert err < 0.005  # KLL with k=2048: well under 1% rank error
    assert a.level_lists() == b.level_lists()  # seeded: same data, same sketch
    assert sum(len(x) for x in a.level_lists()) < 8000


def test_agrees_with_datasketches():
    from datasketches import kll_doubles_sketch

    rng = np.random.default_rng(2)
    data = rng.normal(size=200_000)
    ours, theirs = KLLSketch(), kll_doubles_sketch(2048)
    ours.update(data)
    theirs.update(data)
    e1, w1 = _max_cdf_error(ours, data)
    e2, w2 = _max_cdf_error(theirs, data)
    assert e1 < 0.005 and e2 < 0.005
    b1 = kll_buckets(w1, float(data.min()), float(data.max()))
    b2 = kll_buckets(w2, float(data.min()), float(data.max()))
    assert [x["lower_bound"] for x in b1] == [x["lower_bound"] for x in b2]
    for x, y in zip(b1, b2, strict=True):
        assert abs(x["count"] - y["count"]) < 0.01 * len(data)
