"""One short CUDA check of the training compiler (under 5 minutes on one GPU).

    python benchmarks/gpu_compiler_check.py [--out results.json] [--deadline 270]

Runs a few zoo models on the GPU with the CUDA candidates (bf16 autocast, fp16 + loss scaling,
torch.compile default / reduce-overhead), checks that the user's weights are untouched, and
prints + writes JSON ($OUT/compiler_gpu.json when $OUT is set, else benchmarks/results/).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CANDIDATES = [
    "bf16-autocast",
    "fp16-autocast+loss-scaling",
    "compile:default",
    "compile:default+bf16",
    "compile:reduce-overhead",
]
PLAN = [  # (model, size, objective, candidates)
    ("bert", "default", "speed", CANDIDATES),
    ("gpt", "default", "speed", CANDIDATES),
    ("resnet", "default", "speed", CANDIDATES + ["channels_last", "channels_last+bf16"]),
    ("dlrm", "small", "speed", CANDIDATES),
    ("gpt", "default", "memory", ["checkpoint", "checkpoint+bf16", "bf16-autocast"]),
]


def _to(x, dev):
    import torch

    if isinstance(x, torch.Tensor):
        return x.to(dev)
    if isinstance(x, (tuple, list)):
        return type(x)(_to(v, dev) for v in x)
    return x


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--deadline", type=float, default=270.0)
    ap.add_argument("--budget", type=float, default=45.0)
    a = ap.parse_args(argv)
    import torch

    from jupyter_mlkit.compiler import optimize, zoo

    default_out = (
        Path(os.environ["OUT"]) / "compiler_gpu.json"
        if os.environ.get("OUT")
        else Path(__file__).parent / "results" / "compiler_gpu.json"
    )
    out = Path(a.out) if a.out else default_out
    out.parent.mkdir(parents=True, exist_ok=True)
    result: dict = {"cuda": torch.cuda.is_available(), "torch": torch.__version__, "rows": []}
    if not torch.cuda.is_available():
        result["error"] = "no CUDA device"
        print(json.dumps(result))
        out.write_text(json.dumps(result, indent=1))
        return 2
    result["device"] = torch.cuda.get_device_name(0)
    torch.set_float32_matmul_precision("high")
    t0 = time.perf_counter()
    for name, size, objective, cands in PLAN:
        left = a.deadline - (time.perf_counter() - t0)
        if left < 20:
            result["rows"].append({"model": name, "skipped": "deadline"})
            continue
        case = zoo.build(name, "torch", size)
        model = case.model.to("cuda")
        x, y = _to(case.example_inputs, "cuda"), _to(case.example_target, "cuda")
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        ref = {k: v.clone() for k, v in model.state_dict().items()}
        t = time.perf_counter()
        try:
            r = optimize(
                model,
                x,
                loss_fn=case.loss_fn,
                example_target=y,
                optimizer=opt,
                objective=objective,
                budget_s=min(a.budget, left - 10),
                candidates=cands,
            ).report
        except Exception as e:  # noqa: BLE001 - record and go on: this is a check script
            result["rows"].append({"model": name, "objective": objective, "error": repr(e)})
            continue
        untouched = all(torch.equal(v, ref[k]) for k, v in model.state_dict().items())
        row = {
            "model": name,
            "size": size,
            "objective": objective,
            "strategy": r.strategy,
            "reason": r.reason,
            "eager_step_ms": r.eager_step_s and r.eager_step_s * 1000,
            "step_ms": r.step_s and r.step_s * 1000,
            "speedup": r.speedup,
            "peak_mem_eager_mb": r.peak_mem_eager_bytes and r.peak_mem_eager_bytes / 2**20,
            "peak_mem_mb": r.peak_mem_bytes and r.peak_mem_bytes / 2**20,
            "compile_s": r.compile_s,
            "weights_untouched": untouched,
            "wall_s": time.perf_counter() - t,
            "candidates": [
                {
                    "name": c.name,
                    "status": c.status,
                    "step_ms": c.step_s and c.step_s * 1000,
                    "peak_mem_mb": c.peak_mem_bytes and c.peak_mem_bytes / 2**20,
                    "compile_s": c.compile_s,
                    "rel_loss_diff": c.max_rel_loss_diff,
                    "error": c.error,
                }
                for c in r.candidates
            ],
        }
        result["rows"].append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "candidates"}), flush=True)
        out.write_text(json.dumps(result, indent=1))
    result["total_s"] = time.perf_counter() - t0
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
