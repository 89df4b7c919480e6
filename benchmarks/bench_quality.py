"""Data-quality benchmark: the same 12 checks via jupyter_mlkit.quality.evaluate, via Great
Expectations 1.x (pandas), and via one hand-written DuckDB query, on a generated Parquet file.

    python benchmarks/bench_quality.py [ROWS]          # default 2,000,000 rows x 12 columns
    python benchmarks/bench_quality.py --fuzz 50000    # fuzz the DQDL parser instead

Prints a table and writes benchmarks/results/quality.json.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RULES = """Rules = [
    RowCount > 0,
    IsComplete "id",
    IsUnique "id",
    Completeness "note" > 0.9,
    ColumnValues "cat" in ["a", "b", "c", "d", "e"],
    ColumnValues "amount" between -1000 and 1000,
    Mean "amount" between 40 and 60,
    StandardDeviation "amount" < 100,
    ColumnLength "name" <= 20,
    ColumnValues "qty" >= 0,
    Sum "qty" > 0,
    ColumnValues "email" matches "[a-z0-9.]+@[a-z]+\\\\.com"
]"""

HAND_SQL = """
SELECT count(*) > 0,
       count(id) = count(*),
       count(DISTINCT id) = count(id),
       count(note) / count(*) > 0.9,
       count(*) FILTER (WHERE cat IN ('a','b','c','d','e')) = count(*),
       count(*) FILTER (WHERE amount > -1000 AND amount < 1000) = count(*),
       avg(amount) > 40 AND avg(amount) < 60,
       stddev_pop(amount) < 100,
       max(length(coalesce(name, ''))) <= 20,
       count(*) FILTER (WHERE qty >= 0) = count(*),
       sum(qty) > 0,
       count(*) FILTER (WHERE regexp_full_match(email, '[a-z0-9.]+@[a-z]+\\.com')) = count(*)
FROM read_parquet('{path}')
"""


def generate(path: str, n: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(42)
    chunk = 1_000_000
    writer = None
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        ids = np.arange(start, start + m)
        names = np.array(["alice", "bob", "carol", "dave", "erin", "frank"])[ids % 6]
        note = np.where(rng.random(m) < 0.05, None, "ok")
        table = pa.table(
            {
                "id": ids,
                "cat": np.array(list("abcde"))[rng.integers(0, 5, m)],
                "amount": rng.normal(50, 10, m),
                "qty": rng.integers(0, 100, m).astype("int32"),
                "name": names,
                "email": np.char.add(names.astype(str), "@example.com"),
                "note": pa.array(note, type=pa.string()),
                "ts": pa.array(ids.astype("datetime64[s]")),
                "flag": rng.random(m) < 0.5,
                "score": rng.random(m),
                "code": rng.integers(0, 1000, m),
                "country": np.array(["US", "CA", "UK", "DE"])[ids % 4],
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


class PeakRSS:
    """Samples this process's resident memory every 20 ms."""

    def __enter__(self):
        import psutil

        self.proc, self.peak, self.stop = psutil.Process(), 0, False
        self.base = self.proc.memory_info().rss
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _loop(self):
        while not self.stop:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.stop = True
        self.thread.join()

    @property
    def mib(self) -> float:
        return max(0, self.peak - self.base) / 2**20


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def run_ours(path: str):
    from jupyter_mlkit.quality import evaluate

    return evaluate(RULES, path)


def run_hand(path: str):
    import duckdb

    con = duckdb.connect()
    try:
        return con.execute(HAND_SQL.format(path=path)).fetchall()[0]
    finally:
        con.close()


def gx_suite():
    import great_expectations as gx

    E = gx.expectations
    gx.get_context(mode="ephemeral")
    suite = gx.ExpectationSuite(name="bench")
    for e in [
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectColumnValuesToNotBeNull(column="id"),
        E.ExpectColumnValuesToBeUnique(column="id"),
        E.ExpectColumnValuesToNotBeNull(column="note", mostly=0.9),
        E.ExpectColumnValuesToBeInSet(column="cat", value_set=list("abcde")),
        E.ExpectColumnValuesToBeBetween(
            column="amount", min_value=-1000, max_value=1000, strict_min=True, strict_max=True
        ),
        E.ExpectColumnMeanToBeBetween(column="amount", min_value=40, max_value=60),
        E.ExpectColumnStdevToBeBetween(column="amount", max_value=100),
        E.ExpectColumnValueLengthsToBeBetween(column="name", max_value=20),
        E.ExpectColumnValuesToBeBetween(column="qty", min_value=0),
        E.ExpectColumnSumToBeBetween(column="qty", min_value=1),
        E.ExpectColumnValuesToMatchRegex(column="email", regex=r"^[a-z0-9.]+@[a-z]+\.com$"),
    ]:
        suite.add_expectation(e)
    return suite


def run_gx(df, suite):
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("bench").add_dataframe_asset("frame")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
        batch_parameters={"dataframe": df}
    )
    return batch.validate(suite)


def benchmark(n: int) -> dict:
    import pandas as pd

    out: dict = {"rows": n, "columns": 12, "checks": 12, "cpu_count": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.parquet")
        t0 = time.perf_counter()
        generate(path, n)
        out["generate_s"] = round(time.perf_counter() - t0, 3)
        out["parquet_mib"] = round(os.path.getsize(path) / 2**20, 1)
        run_hand(path)  # warm the OS cache for everyone
        with PeakRSS() as mem:
            out["ours_s"], res = best_of(lambda: run_ours(path), 3)
        out["ours_peak_rss_mib"] = round(mem.mib, 1)
        out["ours_score"] = res.score
        out["hand_duckdb_s"], _ = best_of(lambda: run_hand(path), 3)
        try:
            suite = gx_suite()
            t0 = time.perf_counter()
            df = pd.read_parquet(path)
            out["pandas_read_s"] = round(time.perf_counter() - t0, 3)
            out["gx_s"], gres = best_of(lambda: run_gx(df, suite), 1 if n > 3_000_000 else 2)
            out["gx_success"] = bool(gres.success)
            out["gx_ratio"] = round(out["gx_s"] / out["ours_s"], 2)
        except ImportError:
            out["gx_s"] = None
    out["hand_ratio"] = round(out["ours_s"] / out["hand_duckdb_s"], 2)
    for k in ("ours_s", "hand_duckdb_s", "gx_s"):
        if out.get(k) is not None:
            out[k] = round(out[k], 3)
    return out


def fuzz(n: int) -> dict:
    from jupyter_mlkit.quality import DQDLSyntaxError, Ruleset, parse

    rng = random.Random(1)
    vocabulary = (
        'Rules|Analyzers|=|[|]|(|)|,|"c"|""|RowCount|IsComplete|ColumnValues|CustomSql|and|or|'
        "between|not|in|matches|with|threshold|where|labels|now()|NULL|EMPTY|days|KB|>|>=|<|=|"
        '!=|+|-|*|0|1|0.5|-2|avg|last|$v|v|#|\n|"2024-01-01"|"9:30 AM"|of|DetectAnomalies'
    )
    words = vocabulary.split("|")
    seeds = [
        'Rules = [ RowCount between 1 and 10, IsComplete "a" ]',
        'Rules = [ (ColumnValues "x" in ["a",NULL]) or (RowCount > avg(last(3)) * 0.8) ]',
        'v = ["a"]\nRules = [ ColumnValues "c" not in $v with threshold > 0.5 ]',
    ]
    counts = {"ruleset": 0, "syntax_error": 0}
    t0 = time.perf_counter()
    for i in range(n):
        if i % 2:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
        else:
            s = rng.choice(seeds)
            p = rng.randint(0, len(s))
            junk = "".join(chr(rng.randint(32, 0x2FF)) for _ in range(rng.randint(0, 4)))
            text = s[:p] + junk + s[p + rng.randint(0, 5) :]
        try:
            assert isinstance(parse(text), Ruleset)
            counts["ruleset"] += 1
        except DQDLSyntaxError:
            counts["syntax_error"] += 1
    counts["inputs"] = n
    counts["seconds"] = round(time.perf_counter() - t0, 2)
    return counts


def main(argv: list[str]) -> None:
    results_dir = ROOT / "benchmarks" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    if argv and argv[0] == "--fuzz":
        out = fuzz(int(argv[1]) if len(argv) > 1 else 50_000)
        print(json.dumps(out, indent=2))
        (results_dir / "quality_fuzz.json").write_text(json.dumps(out, indent=2))
        return
    n = int(argv[0]) if argv else 2_000_000
    out = benchmark(n)
    print(f"{'engine':<28}{'seconds':>10}")
    print(f"{'jupyter_mlkit.quality':<28}{out['ours_s']:>10.3f}")
    print(f"{'hand-written DuckDB query':<28}{out['hand_duckdb_s']:>10.3f}")
    if out.get("gx_s") is not None:
        print(f"{'Great Expectations (pandas)':<28}{out['gx_s']:>10.3f}")
        print(
            f"GE / ours: {out['gx_ratio']}x   (pandas read: {out['pandas_read_s']} s, not counted)"
        )
    print(f"ours / hand-written: {out['hand_ratio']}x   peak RSS: {out['ours_peak_rss_mib']} MiB")
    print(json.dumps(out, indent=2))
    (results_dir / "quality.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
