"""The quality engines side by side: bench_quality.py's 12 checks on the same generated Parquet
file, evaluated with DuckDB and with Spark (local[*]) through the same ``evaluate``.

    python benchmarks/bench_quality_spark.py [ROWS]     # default 1,000,000 rows x 12 columns

Prints a table and writes benchmarks/results/quality_spark.json. Locally Spark is expected to be
slower (a JVM, a planner and a scheduler for one machine's worth of data); its point is that the
same rules then run on a cluster.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_quality import RULES, best_of, generate  # noqa: E402


def main() -> int:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    from jupyter_mlkit.quality import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.parquet")
        generate(path, rows)
        duck_s, duck = best_of(lambda: evaluate(RULES, path), 3)

        t0 = time.perf_counter()
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master("local[*]")
            .appName("mlkit-dq-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        start_s = time.perf_counter() - t0
        try:
            t0 = time.perf_counter()
            first = evaluate(RULES, path, engine="spark", spark=spark)
            first_s = time.perf_counter() - t0
            spark_s, res = best_of(lambda: evaluate(RULES, path, engine="spark", spark=spark), 3)
        finally:
            spark.stop()
    same = [o.outcome for o in duck.outcomes] == [o.outcome for o in res.outcomes]
    assert same and first.score == duck.score, "the engines disagree"
    out = {
        "rows": rows,
        "checks": len(duck.outcomes),
        "cores": os.cpu_count(),
        "duckdb_s": round(duck_s, 3),
        "spark_session_start_s": round(start_s, 2),
        "spark_first_run_s": round(first_s, 3),
        "spark_s": round(spark_s, 3),
        "spark_vs_duckdb": round(spark_s / duck_s, 1),
        "same_outcomes": same,
    }
    print(f"{'engine':<28} {'seconds':>8}")
    print(f"{'duckdb (best of 3)':<28} {duck_s:>8.3f}")
    print(f"{'spark local[*] (best of 3)':<28} {spark_s:>8.3f}   ({out['spark_vs_duckdb']}x)")
    print(f"{'spark first run':<28} {first_s:>8.3f}")
    print(f"{'spark session start':<28} {start_s:>8.2f}")
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "quality_spark.json").write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
