"""Run every benchmark, one after the other, and print where each wrote its results.

    python benchmarks/run_all.py [--quick]

``--quick`` passes small sizes so the whole run takes a few minutes; without it each script runs
at the size its issue asks for (much longer on a 2-core machine).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

SCRIPTS = {
    "platform": ["bench_platform.py"],
    "quality": ["bench_quality.py"],
    "quality-spark": ["bench_quality_spark.py"],
    "monitor": ["bench_monitor.py"],
    "spot": ["bench_spot.py"],
    "compiler": ["bench_compiler.py"],
}
QUICK_ARGS = {
    "platform": ["--requests-per-client", "20"],
    "quality": ["200000"],
    "quality-spark": ["200000"],
    "monitor": ["--rows", "100000"],
    "spot": ["--params", "10e6", "--skip-s3"],
    "compiler": ["--models", "mlp,dlrm", "--size", "tiny", "--budget", "30"],
}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    failed = []
    for name, (script, *args) in SCRIPTS.items():
        cmd = [sys.executable, str(HERE / script), *args]
        if quick:
            cmd += QUICK_ARGS.get(name, [])
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        if subprocess.run(cmd, cwd=HERE.parent).returncode != 0:
            failed.append(name)
    print("results in", HERE / "results")
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
