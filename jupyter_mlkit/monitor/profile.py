"""Streaming column profiles: one pass over Arrow batches, memory bounded by sketches.

Each column keeps counts per value type (the analyzer's Integral / Fractional / Boolean / String
reading of text values), running moments, min/max, a KLL sketch of the numeric values, and category
counts for text. The inferred type is decided at the end, as Deequ does, from the type counts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .sketch import (
    KLL_C,
    KLL_K,
    KMV_K,
    MAX_EXACT_DISTINCT,
    WeightedItems,
    kll_buckets,
    kmv_estimate,
    new_kll,
    sketch_levels,
    sketch_pairs,
)

# Deequ's value patterns for text columns (Spark reads empty CSV fields as null)
INTEGRAL_RE = r"^[-+]? ?\d+$"
FRACTIONAL_RE = r"^[-+]? ?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][-+]?\d+|\.\d+[eE][-+]?\d+)$"
BOOLEAN_RE = r"(?i)^(true|false)$"
HISTOGRAM_MAX_DISTINCT = 120  # Deequ's DEFAULT_CARDINALITY_THRESHOLD for histograms


class ColumnProfile:
    """Accumulates one column's statistics across batches."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.missing = 0
        self.integral = 0
        self.fractional = 0
        self.boolean = 0
        self.string = 0
        self.integral_valued = 0  # float values with no fractional part (typed columns only)
        self.typed_numeric = False
        # numeric moments (Chan et al. parallel merge)
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf
        self._kll: Any = None
        # text categories
        self.counts: dict[str, int] | None = {}
        self._kmv: np.ndarray | None = None
        self.text_seen = False

    # -- updates -------------------------------------------------------------------------------
    def update(self, arr: pa.Array | pa.ChunkedArray) -> None:
        if isinstance(arr, pa.ChunkedArray):
            arr = pa.concat_arrays(arr.chunks) if arr.num_chunks else pa.array([], arr.type)
        t = arr.type
        if pa.types.is_dictionary(t):
            arr = arr.cast(t.value_type)
            t = arr.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            self._update_typed_numeric(arr)
        elif pa.types.is_null(t):
            self.missing += len(arr)
        else:
            if pa.types.is_boolean(t):
                arr = pc.if_else(arr, "true", "false")
            elif not (pa.types.is_string(t) or pa.types.is_large_string(t)):
                arr = arr.cast(pa.string())
            self._update_text(arr)

    def _update_typed_numeric(self, arr: pa.Array) -> None:
        self.typed_numeric = True
        is_int = pa.types.is_integer(arr.type)
        nulls = arr.null_count
        x = arr.drop_null().to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        if not is_int:
            finite = ~np.isnan(x)
            if not finite.all():
                nulls += int((~finite).sum())
                x = x[finite]
        self.missing += nulls
        if is_int:
            self.integral += len(x)
        else:
            self.fractional += len(x)
            self.integral_valued += int(np.count_nonzero(x == np.floor(x)))
        self._add_numbers(x)

    def _update_text(self, arr: pa.Array) -> None:
        self.text_seen = True
        self.missing += arr.null_count
        arr = arr.drop_null()
        if len(arr) == 0:
            return
        # judge each distinct value once and weight it by its count: categorical columns have
        # few distinct values, and the counts are needed for the histogram anyway
        enc = pc.dictionary_encode(arr)
        values = enc.dictionary
        codes = enc.indices.to_numpy(zero_copy_only=False)
        counts = np.bincount(codes, minlength=len(values))
        is_int = pc.match_substring_regex(values, INTEGRAL_RE).to_numpy(zero_copy_only=False)
        is_frac = pc.match_substring_regex(values, FRACTIONAL_RE).to_numpy(zero_copy_only=False)
        is_bool = pc.match_substring_regex(values, BOOLEAN_RE).to_numpy(zero_copy_only=False)
        n_int = int(counts[is_int].sum())
        n_frac = int(counts[is_frac].sum())
        n_bool = int(counts[is_bool].sum())
        self.integral += n_int
        self.fractional += n_frac
        self.boolean += n_bool
        self.string += len(arr) - n_int - n_frac - n_bool
        if n_int + n_frac:
            numeric = is_int | is_frac
            nums = pc.replace_substring(values.filter(pa.array(numeric)), " ", "")
            lookup = np.zeros(len(values))
            lookup[numeric] = pc.cast(nums, pa.float64()).to_numpy(zero_copy_only=False)
            # rows keep their order, so small sketches list values as they came (as AWS's do)
            self._add_numbers(lookup[codes[numeric[codes]]])
        self._add_categories(values, counts)

    def _add_numbers(self, x: np.ndarray) -> None:
        k = len(x)
        if k == 0:
            return
        bsum = float(x.sum())
        bmean = bsum / k
        d = x - bmean
        # not np.dot: OpenBLAS threads spin on a busy machine and cost more than the sum
        bm2 = float(np.square(d, out=d).sum())
        total = self.n + k
        delta = bmean - self.mean
        self.m2 += bm2 + delta * delta * self.n * k / total
        self.mean += delta * k / total
        self.n = total
        self.sum += bsum
        self.min = min(self.min, float(x.min()))
        self.max = max(self.max, float(x.max()))
        if self._kll is None:
            self._kll = new_kll()
        if not (x.flags.writeable and x.flags.c_contiguous):
            x = np.array(x, dtype=np.float64)  # the binding rejects read-only Arrow buffers
        self._kll.update(x)

    def _add_categories(self, values: pa.Array, counts: np.ndarray) -> None:
        if self.counts is not None:
            tally = self.counts
            for v, c in zip(values.to_pylist(), counts.tolist(), strict=True):
                tally[v] = tally.get(v, 0) + c
            if len(tally) > MAX_EXACT_DISTINCT:
                # too many categories to keep: switch to a distinct-count estimate
                self._kmv_add(np.array(list(tally), dtype=object))
                self.counts = None
        else:
            self._kmv_add(np.asarray(values.to_pylist(), dtype=object))

    def _kmv_add(self, values: np.ndarray) -> None:
        import pandas as pd

        h = pd.util.hash_array(values).astype(np.uint64)
        if self._kmv is not None:
            h = np.concatenate([self._kmv, h])
        self._kmv = np.unique(h)[:KMV_K]

    # -- results -------------------------------------------------------------------------------
    @property
    def present(self) -> int:
        return self.integral + self.fractional + self.boolean + self.string

    @property
    def total(self) -> int:
        return self.present + self.missing

    def inferred_type(self) -> str:
        """Deequ's reading of the type counts."""
        if self.present == 0:
            return "Unknown"
        if self.string > 0 or (self.boolean > 0 and (self.integral + self.fractional) > 0):
            return "String"
        if self.boolean > 0:
            return "String"  # SageMaker's schema has no Boolean type
        if self.fractional > 0:
            return "Fractional"
        return "Integral"

    def type_match(self, expected: str) -> float | None:
        """Share of present values that read as ``expected``; None when nothing is present."""
        if self.present == 0:
            return None
        if expected == "Integral":
            ok = self.integral + (self.integral_valued if self.typed_numeric else 0)
        elif expected == "Fractional":
            ok = self.integral + self.fractional  # an integer is also a valid fractional
        else:
            ok = self.present  # every value reads as a string
        return ok / self.present

    def distinct_count(self) -> float:
        if self.counts is not None:
            return float(len(self.counts))
        return kmv_estimate(self._kmv if self._kmv is not None else np.array([]))

    def category_counts(self) -> dict[str, int] | None:
        return dict(self.counts) if self.counts is not None else None

    def weighted_items(self) -> WeightedItems:
        if self._kll is None:
            return WeightedItems(np.array([]), np.array([]))
        return WeightedItems(*sketch_pairs(self._kll))

    def to_feature(self) -> dict[str, Any]:
        """One ``features[]`` entry of statistics.json."""
        itype = self.inferred_type()
        common = {"num_present": self.present, "num_missing": self.missing}
        if itype in ("Integral", "Fractional"):
            stats: dict[str, Any] = {
                "common": common,
                "mean": self.mean,
                "sum": self.sum,
                "std_dev": math.sqrt(self.m2 / self.n) if self.n else 0.0,
                "min": self.min,
                "max": self.max,
            }
            if self._kll is not None:
                stats["distribution"] = {
                    "kll": {
                        "buckets": kll_buckets(self.weighted_items(), self.min, self.max),
                        "sketch": {
                            "parameters": {"c": KLL_C, "k": float(KLL_K)},
                            "data": sketch_levels(self._kll),
                        },
                    }
                }
            return {"name": self.name, "inferred_type": itype, "numerical_statistics": stats}
        sstats: dict[str, Any] = {"common": common, "distinct_count": self.distinct_count()}
        counts = self.category_counts()
        if counts is not None and 0 < len(counts) <= HISTOGRAM_MAX_DISTINCT:
            buckets = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            sstats["distribution"] = {
                "categorical": {"buckets": [{"value": v, "count": c} for v, c in buckets]}
            }
        return {"name": self.name, "inferred_type": itype, "string_statistics": sstats}


class DatasetProfile:
    """Profiles of every column of a stream of batches."""

    def __init__(self) -> None:
        self.columns: dict[str, ColumnProfile] = {}
        self.rows = 0

    def update(self, batch: pa.RecordBatch | pa.Table) -> None:
        for name, col in zip(batch.schema.names, batch.columns, strict=True):
            prof = self.columns.get(name)
            if prof is None:
                prof = self.columns[name] = ColumnProfile(name)
                prof.missing += self.rows  # column absent from earlier batches
            prof.update(col)
        for name, prof in self.columns.items():
            if name not in batch.schema.names:
                prof.missing += batch.num_rows
        self.rows += batch.num_rows

    def to_statistics(self) -> dict[str, Any]:
        return {
            "version": 0.0,
            "dataset": {"item_count": self.rows},
            "features": [p.to_feature() for p in self.columns.values()],
        }
