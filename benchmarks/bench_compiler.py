"""Benchmark the training compiler on every zoo model: eager vs the chosen strategy.

    python benchmarks/bench_compiler.py                       # everything (slow on 2 cores)
    python benchmarks/bench_compiler.py --models mlp,dlrm --frameworks torch --budget 60

Writes JSON to benchmarks/results/compiler.json (rewritten after each model, so a stopped run
keeps its rows). Speed-ups are steady-state step time ratios; compile time is reported apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jupyter_mlkit.compiler import zoo  # noqa: E402
from jupyter_mlkit.compiler.bench import bench_zoo  # noqa: E402

MEMORY_MODELS = ("bert", "gpt")  # the memory objective is also run on these


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="all")
    ap.add_argument("--frameworks", default="torch,keras")
    ap.add_argument("--size", default="small", choices=zoo.SIZES)
    ap.add_argument("--budget", type=float, default=120.0)
    ap.add_argument("--objectives", default="speed,memory", help="memory runs on bert/gpt only")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads first")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "compiler.json"))
    a = ap.parse_args(argv)
    if a.threads:
        import torch

        torch.set_num_threads(a.threads)
    rows: list[dict] = []
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "threads": a.threads,
        "load_avg": os.getloadavg(),
    }
    for fw in a.frameworks.split(","):
        names = (
            zoo.names(fw)
            if a.models == "all"
            else [n for n in a.models.split(",") if n in zoo.names(fw)]
        )
        for name in names:
            for objective in a.objectives.split(","):
                if objective == "memory" and (fw != "torch" or name not in MEMORY_MODELS):
                    continue
                row = bench_zoo(name, fw, a.size, objective, a.budget)
                rows.append(row)
                print(
                    f"{fw:6} {name:13} {objective:7} {row['strategy']:34} "
                    f"eager {row['eager_step_ms']}ms -> {row['step_ms']}ms "
                    f"x{row['speedup']} mem {row['peak_mem_eager_mb']} -> {row['peak_mem_mb']}MB",
                    flush=True,
                )
                out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
