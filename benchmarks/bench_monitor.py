"""Model monitor vs evidently 0.7 DataDriftPreset on the same drift question.

500k rows x (20 numeric + 1 categorical) current data against a same-size reference. Ours:
``suggest_baseline(reference)`` then ``analyze(current, baseline)`` (sketches, one pass each).
Evidently: ``Report([DataDriftPreset()]).run(current, reference)``. Per-column verdicts of both
are listed side by side. Writes benchmarks/results/monitor.json.

    python benchmarks/bench_monitor.py [--rows 500000] [--skip-evidently]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

NUMERIC = 20
SHIFTED = {f"f{i}": 0.1 * i for i in range(0, NUMERIC, 4)}  # f0 (no shift), f4, f8, f12, f16


def make_data(rows: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    cats = np.array(["a", "b", "c", "d", "e"])
    ref = {f"f{i}": rng.normal(0, 1, rows) for i in range(NUMERIC)}
    ref["cat"] = rng.choice(cats, rows, p=[0.3, 0.3, 0.2, 0.1, 0.1])
    cur = {f"f{i}": rng.normal(SHIFTED.get(f"f{i}", 0.0), 1, rows) for i in range(NUMERIC)}
    cur["cat"] = rng.choice(cats, rows, p=[0.15, 0.3, 0.2, 0.2, 0.15])
    return pd.DataFrame(ref), pd.DataFrame(cur)


def run_ours(ref: pd.DataFrame, cur: pd.DataFrame) -> tuple[float, dict, dict]:
    from jupyter_mlkit.monitor import analyze, suggest_baseline

    t0 = time.perf_counter()
    base = suggest_baseline(ref)
    t1 = time.perf_counter()
    result = analyze(cur, base)
    t2 = time.perf_counter()
    verdicts = {
        k: {"drifted": v["drifted"], "distance": round(v["distance"], 5), "method": v["method"]}
        for k, v in result.drift.items()
    }
    return t2 - t0, {"suggest_baseline_s": t1 - t0, "analyze_s": t2 - t1}, verdicts


def run_evidently(ref: pd.DataFrame, cur: pd.DataFrame) -> tuple[float, dict]:
    from evidently import Report
    from evidently.presets import DataDriftPreset

    t0 = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(cur, ref)
    elapsed = time.perf_counter() - t0
    verdicts = {}
    for m in snapshot.dict()["metrics"]:
        cfg = m.get("config", {})
        if not cfg.get("type", "").endswith("ValueDrift"):
            continue
        value, method = float(m["value"]), str(cfg.get("method", ""))
        threshold = float(cfg.get("threshold") or 0.05)
        # p-value tests drift below the threshold, distances at or above it (evidently's rules)
        is_p = "p_value" in method.lower() or "test" in method.lower()
        drifted = value < threshold if is_p else value >= threshold
        verdicts[cfg["column"]] = {"drifted": drifted, "score": round(value, 5), "method": method}
    return elapsed, verdicts


MEMORY_CHILD = """
import sys, time
sys.path.insert(0, {root!r})

def hwm_kb():  # VmHWM is per address space (ru_maxrss would inherit the parent's peak)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

from jupyter_mlkit.monitor import suggest_baseline
import pyarrow, pyarrow.parquet, pyarrow.compute, numpy, pandas, datasketches
start = hwm_kb()
t = time.perf_counter()
b = suggest_baseline({path!r})
print(b.statistics["dataset"]["item_count"], time.perf_counter() - t, start, hwm_kb())
"""


def memory_check(rows: int, workdir: Path) -> dict:
    """Peak memory of a baseline over a Parquet file streamed in batches (child process)."""
    import subprocess

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = workdir / "bench_monitor_big.parquet"
    chunk = 250_000
    writer = None
    for i in range(0, rows, chunk):
        ref, _ = make_data(min(chunk, rows - i), seed=i)
        table = pa.Table.from_pandas(ref, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()
    code = MEMORY_CHILD.format(root=str(Path(__file__).resolve().parents[1]), path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    n, seconds, start_kb, peak_kb = out.stdout.split()
    size = path.stat().st_size
    path.unlink()
    return {
        "rows": int(n),
        "parquet_bytes": size,
        "in_memory_bytes": rows * (NUMERIC * 8 + 8),
        "seconds": float(seconds),
        "rss_after_imports_mb": int(start_kb) / 1024,
        "peak_rss_mb": int(peak_kb) / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--skip-evidently", action="store_true")
    ap.add_argument("--memory-rows", type=int, default=0, help="also profile a Parquet file")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "monitor.json"))
    args = ap.parse_args()
    ref, cur = make_data(args.rows, seed=1)
    run_ours(ref.head(1000), cur.head(1000))  # warm imports
    ours_s, parts, ours_v = run_ours(ref, cur)
    print(f"ours: {ours_s:.2f} s  ({parts})")
    ev_s, ev_v = (None, {}) if args.skip_evidently else run_evidently(ref, cur)
    if ev_s is not None:
        print(f"evidently: {ev_s:.2f} s  -> {ev_s / ours_s:.1f}x")
    columns = list(ref.columns)
    table = [
        {
            "column": c,
            "true_shift": SHIFTED.get(c, 0.0) if c != "cat" else "proportions changed",
            "ours": ours_v.get(c),
            "evidently": ev_v.get(c),
        }
        for c in columns
    ]
    for row in table:
        o, e = row["ours"] or {}, row["evidently"] or {}
        print(
            f"{row['column']:>5}  shift={row['true_shift']!s:<20} ours={o.get('drifted')!s:<5} "
            f"({o.get('distance')})  evidently={e.get('drifted')!s:<5} ({e.get('score')})"
        )
    doc = {
        "rows": args.rows,
        "columns": {"numeric": NUMERIC, "categorical": 1},
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or "?"},
        "ours_seconds": ours_s,
        "ours_parts": parts,
        "evidently_seconds": ev_s,
        "speedup": (ev_s / ours_s) if ev_s else None,
        "verdicts": table,
        "agreement": sum(
            1
            for r in table
            if r["ours"] and r["evidently"] and r["ours"]["drifted"] == r["evidently"]["drifted"]
        ),
    }
    if args.memory_rows:
        doc["parquet_memory"] = memory_check(args.memory_rows, Path(args.out).parent)
        print(f"parquet baseline: {doc['parquet_memory']}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
