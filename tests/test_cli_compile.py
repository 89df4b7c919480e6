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
        (["--script", "train.py"], "script train.py does not exist"),
        (["--script", "x.py", "--model", "mlp"], "--model NAME or --script FILE, not both"),
        (["--model", "mlp", "extra"], "script arguments need --script"),
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


TRAIN = """
import sys
import torch

net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
opt = torch.optim.SGD(net.parameters(), lr=0.1)
x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
for _ in range(int(sys.argv[1])):
    opt.zero_grad()
    torch.nn.functional.cross_entropy(net(x), y).backward()
    opt.step()
print("trained", sys.argv[1], "steps")
"""


def test_bench_script_optimizes_the_scripts_model_and_writes_json(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN)
    res = mlkit(
        "bench", "--script", "train.py", "--budget", "30", "--candidates", "optimizer:foreach",
        "--json", "out.json", "--", "3",
        cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "trained 3 steps" in res.stdout  # the script ran to its end with its own argv
    assert "optimizing net (torch) ..." in res.stderr
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["script"] == "train.py" and out["size"] == "script"
    assert out["model"] == "net" and [m["model"] for m in out["models"]] == ["net"]
    assert [c["name"] for c in out["candidates"]] == ["eager", "optimizer:foreach"]
    assert "model net (torch) in train.py:" in res.stdout
    assert f"chosen: {out['strategy']} - {out['reason']}" in res.stdout


@pytest.mark.parametrize(
    "source, code, words",
    [
        ("import torch\nif True\n    pass\n", 2, "bad.py:2: syntax error"),
        ("import torch\n\ndef f():\n    1 / 0\n\nf()\n", 1, 'bad.py", line 4, in f'),
        ("import torch\nprint('no training here')\n", 1, "no model was optimized"),
    ],
    ids=["syntax-error", "raises", "trains-nothing"],
)
def test_bad_scripts_are_a_clear_message_and_a_nonzero_exit(tmp_path, source, code, words):
    (tmp_path / "bad.py").write_text(source)
    res = mlkit("bench", "--script", "bad.py", "--budget", "10", cwd=tmp_path)
    assert res.returncode == code, res.stderr
    assert words in res.stderr
    assert "jupyter_mlkit" not in res.stderr and "click" not in res.stderr
