"""``mlkit compile bench`` as a real subprocess on a tiny zoo model with cheap candidates."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def mlkit(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.getcwd()}
    return subprocess.run(
        [sys.executable, "-m", "jupyter_mlkit.cli", "compile", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_bench_prints_the_table_and_the_choice_and_writes_json(tmp_path):
    res = mlkit(
        "bench",
        "--model", "mlp", "--size", "tiny", "--budget", "30",
        "--candidates", "bf16-autocast,checkpoint", "--json", "out.json",
        cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    row = json.loads((tmp_path / "out.json").read_text())
    assert [c["name"] for c in row["candidates"]] == ["eager", "bf16-autocast", "checkpoint"]
    # the tiny MLP has no repeated blocks: checkpointing fails, the rest goes on
    failed = row["candidates"][2]
    assert failed["status"] == "failed" and "no repeated blocks" in failed["error"]
    lines = res.stdout.splitlines()
    assert lines[0].split() == [
        "candidate", "status", "step", "ms", "peak", "MiB", "compile", "s", "numerics", "error"
    ]  # fmt: skip
    table = {ln.split()[0]: ln for ln in lines[2:5]}
    assert table["checkpoint"].split()[1:6] == ["failed", "-", "-", "-", "-"]
    assert table["eager"].split()[1] in ("ok", "*")
    chosen = row["strategy"]
    assert f"chosen: {chosen} - {row['reason']}" in res.stdout
    # names padded to the longest (bf16-autocast, 13 characters), then * on the chosen row
    assert [ln[:14] for ln in lines[2:5] if ln[13] == "*"] == [f"{chosen:<13}*"]
    assert f"speed-up: {row['speedup']:.2f}x" in res.stdout
    assert f"break-even after {row['break_even_steps']} steps" in res.stdout
    assert "peak memory:" in res.stdout
    assert "trying bf16-autocast ..." in res.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["--script", "train.py"], "--script is not supported yet"),
        ([], "give --model NAME"),
        (["--model", "vgg"], "'model' must be one of bert"),
        (["--model", "mlp", "--objective", "fast"], "'objective' must be one of speed"),
        (["--model", "mlp", "--budget", "-1"], "'budget_s' must be between 0 and 3600"),
        (["--model", "mlp", "--size", "tiny", "--candidates", "nope"], "unknown candidate 'nope'"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(tmp_path, args, words):
    res = mlkit("bench", *args, cwd=tmp_path)
    assert res.returncode == 2
    assert words in res.stderr and "Traceback" not in res.stderr
    assert not list(tmp_path.iterdir())  # nothing written


def test_zoo_lists_models(tmp_path):
    res = mlkit("zoo", cwd=tmp_path)
    assert res.returncode == 0
    assert "torch: bert, gpt, resnet, efficientnet, lstm, tcn, dlrm, mlp" in res.stdout
    assert "sizes: tiny, small, default" in res.stdout


def test_text_of_a_keras_row_says_memory_was_not_measured():
    from jupyter_mlkit.cli_compile import bench_text

    cand = {"status": "ok", "peak_mem_mb": None, "error": None}
    row = {
        "strategy": "xla",
        "reason": "xla is 3.55x faster",
        "candidates": [
            {**cand, "name": "eager", "step_ms": 489.0, "compile_s": 0.0, "max_rel_loss_diff": 0},
            {**cand, "name": "xla", "step_ms": 138.0, "compile_s": 2.5, "max_rel_loss_diff": 1e-4},
        ],
        "speedup": 3.5435,
        "eager_step_ms": 489.0,
        "step_ms": 138.0,
        "peak_mem_eager_mb": None,
        "peak_mem_mb": None,
        "compile_s": 2.5,
        "break_even_steps": 8,
        "choose_s": 12.34,
    }
    assert bench_text(row).splitlines()[2:] == [
        # name padded to 9 ("candidate"), mark, status padded to 8, numbers right-aligned in 9
        "eager      ok         489.000         -      0.00  ok",
        "xla      * ok         138.000         -      2.50  ok",
        "",
        "chosen: xla - xla is 3.55x faster",
        "speed-up: 3.54x (eager 489.000 ms -> 138.000 ms per step)",
        "peak memory: not measured (Keras on CPU)",
        "compile: 2.50 s; break-even after 8 steps; chose in 12.3 s",
    ]
