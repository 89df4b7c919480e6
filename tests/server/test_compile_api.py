"""The training-compiler REST routes against a real in-process server and a real job worker."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

FINAL = ("completed", "failed", "cancelled", "interrupted")


async def wait_state(api, job_id, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        code, job = await api(f"jobs/{job_id}")
        assert code == 200
        if job["state"] in FINAL:
            return job
        assert time.monotonic() < deadline, f"job stuck in {job['state']}"
        await asyncio.sleep(0.1)


async def test_zoo_lists_models_per_framework_and_sizes(api):
    code, zoo = await api("compile/zoo")
    assert code == 200
    assert zoo["models"]["torch"] == [
        "bert", "gpt", "resnet", "efficientnet", "lstm", "tcn", "dlrm", "mlp"
    ]  # fmt: skip
    assert "tcn" not in zoo["models"]["keras"] and "mlp" in zoo["models"]["keras"]
    assert zoo["sizes"] == ["tiny", "small", "default"]
    assert zoo["objectives"] == ["speed", "memory", "balanced"]


async def test_bench_job_measures_the_candidates_and_reports_the_choice(api, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the worker inherits it: keep the CPU calm
    body = {
        "model": "mlp",
        "size": "tiny",
        "budget_s": 30,
        "candidates": ["bf16-autocast"],
    }
    code, job = await api("compile/bench", "POST", body)
    assert code == 201, job
    assert job["kind"] == "compile-bench" and job["origin"] == "api"
    # defaults filled in by validate, candidates kept as given
    assert job["parameters"] == {
        "model": "mlp",
        "framework": "torch",
        "size": "tiny",
        "objective": "speed",
        "budget_s": 30.0,
        "candidates": ["bf16-autocast"],
    }
    done = await wait_state(api, job["id"])
    assert done["state"] == "completed", done["error"]
    res = done["result"]
    assert [c["name"] for c in res["candidates"]] == ["eager", "bf16-autocast"]
    assert {c["status"] for c in res["candidates"]} <= {"ok", "rejected", "failed"}
    eager = res["candidates"][0]
    assert eager["max_rel_loss_diff"] == 0.0 and eager["numerics"] == "ok"
    assert res["strategy"] in ("eager", "bf16-autocast")
    assert res["reason"] and res["speedup"] >= 1.0
    assert res["model"] == "mlp" and res["objective"] == "speed"
    # the full row is also an artifact, byte-for-byte the same data
    (path,) = [p for p in done["artifacts"] if p.endswith("compile_report.json")]
    assert json.loads(Path(path).read_text()) == res
    # it is a normal job: listed by kind
    code, listed = await api("jobs", params={"kind": "compile-bench"})
    assert code == 200 and [j["id"] for j in listed["jobs"]] == [job["id"]]


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({}, "model", "missing parameter 'model'"),
        ({"model": "vgg"}, "model", "must be one of bert"),
        ({"model": "tcn", "framework": "keras"}, "model", "got 'tcn'"),
        ({"model": "mlp", "framework": "jax"}, "framework", "torch, keras"),
        ({"model": "mlp", "size": "huge"}, "size", "tiny, small, default"),
        ({"model": "mlp", "objective": "fast"}, "objective", "speed, memory, balanced"),
        ({"model": "mlp", "budget_s": 0}, "budget_s", "between 0 and 3600"),
        ({"model": "mlp", "budget_s": "60"}, "budget_s", "number of seconds"),
        ({"model": "mlp", "candidates": [1]}, "candidates", "list of candidate names"),
    ],
)
async def test_bad_bench_parameters_are_400_naming_the_field_and_write_no_job(
    api, body, field, words
):
    code, err = await api("compile/bench", "POST", body)
    assert code == 400, err
    assert words in err["error"]["message"]
    assert err["error"]["details"]["field"] == field
    code, listed = await api("jobs", params={"kind": "compile-bench"})
    assert listed["jobs"] == []


async def test_unknown_candidate_fails_the_job_with_the_known_names(api, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    body = {"model": "mlp", "size": "tiny", "candidates": "nope"}
    code, job = await api("compile/bench", "POST", body)
    assert code == 201 and job["parameters"]["candidates"] == ["nope"]  # 'a,b' strings are split
    done = await wait_state(api, job["id"])
    assert done["state"] == "failed"
    assert "unknown candidate 'nope'" in done["error"]["message"]
    assert "bf16-autocast" in done["error"]["message"]


async def test_compiler_is_wired_in_status(api):
    code, status = await api("status")
    assert code == 200
    assert status["capabilities"]["compiler"]["wired"] is True


SCRIPT = """
import torch

net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
opt = torch.optim.SGD(net.parameters(), lr=0.1)
x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
for _ in range(3):
    opt.zero_grad()
    torch.nn.functional.cross_entropy(net(x), y).backward()
    opt.step()
print("done training")
"""


async def test_bench_job_runs_a_script_from_the_server_root(api, jp_root_dir, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    (jp_root_dir / "proj").mkdir()
    (jp_root_dir / "proj" / "train.py").write_text(SCRIPT)
    body = {"script": "proj/train.py", "budget_s": 30, "candidates": ["optimizer:foreach"]}
    code, job = await api("compile/bench", "POST", body)
    assert code == 201, job
    assert job["parameters"] == {
        "script": "proj/train.py",
        "objective": "speed",
        "budget_s": 30.0,
        "candidates": ["optimizer:foreach"],
        "args": [],
    }
    done = await wait_state(api, job["id"])
    assert done["state"] == "completed", done["error"]
    res = done["result"]
    assert res["script"] == "proj/train.py" and res["model"] == "net" and res["size"] == "script"
    assert [c["name"] for c in res["candidates"]] == ["eager", "optimizer:foreach"]
    assert res["candidates"][0]["numerics"] == "ok"
    assert [m["model"] for m in res["models"]] == ["net"]
    (path,) = [p for p in done["artifacts"] if p.endswith("compile_report.json")]
    assert json.loads(Path(path).read_text()) == res


@pytest.mark.parametrize(
    "script, status, words",
    [
        ("../outside.py", 403, "outside the server's root"),
        ("missing.py", 404, "missing.py"),
        ("bad.py", 400, "bad.py:2: syntax error"),
    ],
)
async def test_bad_scripts_are_refused_before_a_job_is_written(
    api, jp_root_dir, script, status, words
):
    (jp_root_dir / "bad.py").write_text("x = 1\nfor i in range(3)\n    pass\n")
    code, err = await api("compile/bench", "POST", {"script": script})
    assert code == status, err
    assert words in err["error"]["message"]
    code, listed = await api("jobs", params={"kind": "compile-bench"})
    assert listed["jobs"] == []
