"""Sketches in SageMaker's statistics.json form.

Numeric distributions use a KLL sketch with Deequ's parameters (k=2048, c=0.64). The default
engine is :class:`KLLSketch` below: KLL compaction done on whole NumPy arrays, seeded, so the same
data always gives the same statistics.json (as AWS's analyzer does) and about twice as fast as
feeding Apache DataSketches' ``kll_doubles_sketch`` item by item; ``MLKIT_MONITOR_KLL=datasketches``
selects DataSketches instead. The statistics file stores the retained items level by level
(``data[i]`` holds items of weight 2**i), exactly the ``kll.sketch.data`` layout the analyzer
writes. A stored sketch is read back as weighted
items, so drift never needs the baseline data again. Strings use exact counts up to a cap, then a
k-minimum-values estimate of the distinct count.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

KLL_K = 2048  # Deequ's default sketch size, also written into parameters.k
KLL_C = 0.64  # Deequ's shrinking factor (written for compatibility; DataSketches fixes its own)
NUM_BUCKETS = 10  # SageMaker always writes 10 buckets
MAX_EXACT_DISTINCT = 10_000  # exact category counts kept up to this many values
KMV_K = 4096


class KLLSketch:
    """KLL quantile sketch whose compactions work on whole sorted NumPy arrays.

    Level ``h`` holds items of weight ``2**h`` and may hold ``ceil(k * c**(H-1-h))`` items
    (``H`` levels). An over-full level is sorted and every other item, from a random offset,
    moves up one level: each compaction moves any rank by at most the level's weight, however many
    items it handles, so compacting a whole incoming batch at once keeps KLL's error bound.
    """

    def __init__(self, k: int = KLL_K, c: float = KLL_C, seed: int = 0) -> None:
        self.k, self.c = k, c
        self.levels: list[np.ndarray] = [np.empty(0)]
        self.n = 0
        self._rng = np.random.default_rng(seed)

    def capacity(self, h: int) -> int:
        return max(2, math.ceil(self.k * self.c ** (len(self.levels) - 1 - h)))

    def update(self, x: np.ndarray) -> None:
        if len(x) == 0:
            return
        self.n += len(x)
        self.levels[0] = np.concatenate([self.levels[0], np.asarray(x, dtype=np.float64)])
        while True:
            over = [h for h, lvl in enumerate(self.levels) if len(lvl) > self.capacity(h)]
            if not over:
                return
            self._compact(over[0])

    def _compact(self, h: int) -> None:
        if h + 1 == len(self.levels):
            self.levels.append(np.empty(0))
        srt = np.sort(self.levels[h])
        odd = len(srt) % 2
        # an odd item stays behind, so the level's total weight is kept exactly
        self.levels[h] = srt[-1:] if odd else srt[:0]
        body = srt[: len(srt) - odd]
        promoted = body[int(self._rng.integers(2)) :: 2]
        self.levels[h + 1] = np.concatenate([self.levels[h + 1], promoted])

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        items = [lvl for lvl in self.levels if len(lvl)]
        if not items:
            return np.empty(0), np.empty(0)
        weights = [np.full(len(lvl), 2.0**h) for h, lvl in enumerate(self.levels) if len(lvl)]
        return np.concatenate(items), np.concatenate(weights)

    def level_lists(self) -> list[list[float]]:
        top = max((h for h, lvl in enumerate(self.levels) if len(lvl)), default=-1)
        return [self.levels[h].tolist() for h in range(top + 1)]


def new_kll() -> Any:
    """The configured KLL engine (see the module docstring)."""
    if os.environ.get("MLKIT_MONITOR_KLL", "").lower() == "datasketches":
        from datasketches import kll_doubles_sketch

        return kll_doubles_sketch(KLL_K)
    return KLLSketch()


class WeightedItems:
    """Retained sketch items with weights: enough for ranks, CDFs and buckets."""

    __slots__ = ("items", "weights", "cum", "total")

    def __init__(self, items: np.ndarray, weights: np.ndarray) -> None:
        order = np.argsort(items, kind="stable")
        self.items = np.asarray(items, dtype=float)[order]
        self.weights = np.asarray(weights, dtype=float)[order]
        self.cum = np.cumsum(self.weights)
        self.total = float(self.cum[-1]) if len(self.cum) else 0.0

    @classmethod
    def from_levels(cls, data: list[list[float]]) -> WeightedItems:
        items: list[float] = []
        weights: list[float] = []
        for level, values in enumerate(data or []):
            items.extend(float(v) for v in values)
            weights.extend([float(2**level)] * len(values))
        return cls(np.array(items), np.array(weights))

    def cdf(self, points: np.ndarray) -> np.ndarray:
        """Share of weight at or below each point."""
        if self.total == 0:
            return np.zeros(len(points))
        idx = np.searchsorted(self.items, points, side="right")
        cum = np.concatenate([[0.0], self.cum])
        return cum[idx] / self.total


def sketch_pairs(sketch: Any) -> tuple[np.ndarray, np.ndarray]:
    """(items, weights) retained by either KLL engine."""
    if isinstance(sketch, KLLSketch):
        return sketch.pairs()
    pairs = np.array(list(sketch), dtype=float).reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def sketch_levels(sketch: Any) -> list[list[float]]:
    """``kll.sketch.data``: retained items per level, level 0 first."""
    if isinstance(sketch, KLLSketch):
        return sketch.level_lists()
    return kll_levels(*sketch_pairs(sketch))


def kll_levels(items: np.ndarray, weights: np.ndarray) -> list[list[float]]:
    """Retained items grouped by level (weight 2**level), level 0 first."""
    if len(items) == 0:
        return []
    levels = np.rint(np.log2(weights)).astype(int)
    return [items[levels == i].tolist() for i in range(int(levels.max()) + 1)]


def kll_buckets(
    w: WeightedItems, vmin: float, vmax: float, n: int = NUM_BUCKETS
) -> list[dict[str, float]]:
    """Equal-width buckets between the exact min and max, counts from the sketch weights."""
    if w.total == 0:
        return []
    edges = np.array([vmin + (vmax - vmin) * i / n for i in range(n + 1)])
    # bucket i holds edges[i] <= x < edges[i+1]; the last one also holds the maximum
    idx = np.clip(np.searchsorted(edges, w.items, side="right") - 1, 0, n - 1)
    counts = np.bincount(idx, weights=w.weights, minlength=n)
    return [
        {
            "lower_bound": float(edges[i]),
            "upper_bound": float(edges[i + 1]),
            "count": float(counts[i]),
        }
        for i in range(n)
    ]


def linf_numeric(a: WeightedItems, b: WeightedItems) -> float:
    """Largest gap between the two CDFs over every retained item of either sketch."""
    if a.total == 0 or b.total == 0:
        return float("nan")
    points = np.union1d(a.items, b.items)
    return float(np.max(np.abs(a.cdf(points) - b.cdf(points))))


def linf_categorical(a: dict[str, float], b: dict[str, float]) -> float:
    """Largest gap between per-category shares (0 for a category missing on one side)."""
    na, nb = sum(a.values()), sum(b.values())
    if na == 0 or nb == 0:
        return float("nan")
    keys = set(a) | set(b)
    return max(abs(a.get(k, 0) / na - b.get(k, 0) / nb) for k in keys)


def robust(distance: float, n: float, m: float, c_alpha: float = 1.8) -> float:
    """Deequ 2.0.2's small-sample correction: subtract the KS critical value."""
    if n <= 0 or m <= 0 or math.isnan(distance):
        return distance
    return max(0.0, distance - c_alpha * math.sqrt((n + m) / (n * m)))


def chi_squared_pvalue(baseline: dict[str, float], current: dict[str, float]) -> float:
    """Goodness of fit of the current counts to the baseline shares (Deequ's merging rules)."""
    from scipy.stats import chisquare

    keys = [k for k, v in baseline.items() if v > 0]
    total_b = sum(baseline[k] for k in keys)
    total_c = sum(current.get(k, 0) for k in keys)
    if total_b == 0 or total_c == 0:
        return float("nan")
    cells = sorted(
        ([baseline[k] / total_b * total_c, float(current.get(k, 0))] for k in keys),
        key=lambda c: c[0],
    )

    def ok(cs: list[list[float]]) -> bool:
        if len(cs) == 2:
            return all(c[0] >= 10 for c in cs)
        return sum(1 for c in cs if c[0] < 5) <= 0.2 * len(cs)

    # merge the smallest expected cell into the next smallest until the rule holds
    while len(cells) >= 2 and not ok(cells):
        first = cells.pop(0)
        cells[0] = [cells[0][0] + first[0], cells[0][1] + first[1]]
        cells.sort(key=lambda c: c[0])
    if len(cells) < 2:
        return float("nan")
    exp = np.array([c[0] for c in cells])
    obs = np.array([c[1] for c in cells])
    exp = exp * obs.sum() / exp.sum()
    return float(chisquare(obs, exp).pvalue)


def kmv_estimate(hashes: np.ndarray) -> float:
    """Distinct count from the k smallest 64-bit hashes (k-minimum-values estimator)."""
    if len(hashes) < KMV_K:
        return float(len(hashes))
    kth = float(hashes[KMV_K - 1]) / 2.0**64
    return (KMV_K - 1) / kth
