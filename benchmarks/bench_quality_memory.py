"""Data quality on a Parquet file larger than memory budget: peak RSS must stay under 2 GB.

Generates (with DuckDB, streaming) a Parquet file of about the requested size with the same 12
columns as bench_quality.py, then runs the same 12 checks in a child process with DuckDB's
memory_limit set, sampling the child's resident memory.

    python benchmarks/bench_quality_memory.py [--gb 5] [--memory-limit 1GB] [--keep]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

ROWS_PER_GB = 36_000_000  # bench_quality's schema compresses to about 28 bytes a row

CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from bench_quality import RULES
from jupyter_mlkit.quality import evaluate
t = time.perf_counter()
import duckdb
res = evaluate(RULES, {path!r}, memory_limit={limit!r})
print(round(time.perf_counter() - t, 2), res.score, flush=True)
"""


def generate(path: Path, rows: int) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""
        COPY (
          SELECT i AS id,
                 ['a','b','c','d','e'][1 + (hash(i) % 5)::INT] AS cat,
                 50 + 10 * (random() + random() + random() - 1.5) AS amount,
                 (hash(i * 7) % 100)::INT AS qty,
                 ['alice','bob','carol','dave','erin','frank'][1 + (i % 6)::INT] AS name,
                 ['alice','bob','carol','dave','erin','frank'][1 + (i % 6)::INT]
                   || '@example.com' AS email,
                 CASE WHEN random() < 0.05 THEN NULL ELSE 'ok' END AS note,
                 to_timestamp(i) AS ts,
                 random() < 0.5 AS flag,
                 random() AS score,
                 (hash(i * 13) % 1000)::BIGINT AS code,
                 ['US','CA','UK','DE'][1 + (i % 4)::INT] AS country
          FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
    """)
    con.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=5.0)
    ap.add_argument("--memory-limit", default="1GB")
    ap.add_argument("--dir", default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="mlkit-dq-mem-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "big.parquet"
    rows = int(args.gb * ROWS_PER_GB)
    t = time.perf_counter()
    if not path.exists():
        generate(path, rows)
    gen_s = time.perf_counter() - t
    size_gb = path.stat().st_size / 1e9
    code = CHILD.format(root=str(HERE), path=str(path), limit=args.memory_limit)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    proc, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    lines = child.stdout.read().strip().splitlines()
    out = lines[-1].split() if lines else []  # the last line; DuckDB may print progress first
    result = {
        "rows": rows,
        "file_gb": round(size_gb, 2),
        "generate_s": round(gen_s, 1),
        "evaluate_s": float(out[0]) if out else None,
        "score": float(out[1]) if len(out) > 1 else None,
        "duckdb_memory_limit": args.memory_limit,
        "peak_rss_gb": round(peak / 1e9, 2),
        "target_peak_gb": 2.0,
        "exit_code": child.returncode,
    }
    result["meets_target"] = child.returncode == 0 and result["peak_rss_gb"] < 2.0
    (HERE / "results" / "quality_memory.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if not args.keep:
        path.unlink()
    return 0 if result["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
