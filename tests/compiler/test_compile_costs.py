"""Compile trial costs are remembered per model, and the next search on that model plans its
budget with them instead of the first-compile guess. Custom `compiles=True` candidates stand in
for torch.compile (their trial is cheap), so no test depends on the machine's speed."""

from __future__ import annotations

import json
import os
import time

import torch

from jupyter_mlkit.compiler import Candidate, optimize
from jupyter_mlkit.compiler import torch_path as tp
from jupyter_mlkit.compiler._compile_costs import (
    costs_path,
    fingerprint,
    remember,
    remembered,
)


def test_fingerprint_is_the_model_and_input_shapes_not_values():
    a = torch.nn.Linear(4, 2)
    b = torch.nn.Linear(4, 2)  # other weights, same shapes
    x = torch.randn(8, 4)
    key = fingerprint(a, (x,), {}, "cpu")
    assert key == fingerprint(b, (torch.zeros(8, 4),), {}, "cpu")
    assert key != fingerprint(a, (torch.randn(16, 4),), {}, "cpu")  # another batch size
    assert key != fingerprint(torch.nn.Linear(4, 3), (x,), {}, "cpu")
    assert key != fingerprint(a, (x,), {}, "cuda")


def test_remember_and_read_back_atomically_and_never_raise(tmp_path):
    inductor = tmp_path / "cache" / "inductor"
    assert remembered(str(inductor), "k", "compile:default") is None
    remember(str(inductor), "k", "compile:default", 12.3456)
    remember(str(inductor), "k", "compile:max-autotune-no-cudagraphs", 30.0)
    assert remembered(str(inductor), "k", "compile:default") == 12.346
    assert json.loads(costs_path(inductor).read_text()) == {
        "k:compile:default": 12.346,
        "k:compile:max-autotune-no-cudagraphs": 30.0,
    }
    assert not [p for p in costs_path(inductor).parent.iterdir() if p.name.startswith(".")]
    # an unreadable file is no memory; an unwritable place is not an error
    costs_path(inductor).write_text("{not json")
    assert remembered(str(inductor), "k", "compile:default") is None
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    remember(str(blocker / "inductor"), "k", "compile:default", 1.0)  # no exception


def _search(tiny, tmp_path, ran, budget_s):
    model, x, y, loss_fn, opt = tiny

    def apply(m, optimizer):
        if m is not model:  # a trial, on a copy
            ran.append("fake-compile")
            time.sleep(0.05)  # its "compile" cost

    return optimize(
        model,
        x,
        loss_fn=loss_fn,
        example_target=y,
        optimizer=opt,
        budget_s=budget_s,
        candidates=[Candidate("fake-compile", apply, compiles=True)],
        diagnose=False,
        batch_advice=False,
        cache_dir=str(tmp_path),
    ).report


def test_a_remembered_cost_decides_whether_a_compile_fits(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", os.environ.get("TORCHINDUCTOR_CACHE_DIR", ""))
    model, x = tiny[0], tiny[1]
    key = fingerprint(model, (x,), {}, "cpu")
    inductor = str(tmp_path / "inductor")

    # remembered as far too slow for the budget: skipped, and the reason says why
    remember(inductor, key, "fake-compile", 1000.0)
    ran: list[str] = []
    r = _search(tiny, tmp_path, ran, budget_s=60)
    assert ran == []
    assert "this model's last fake-compile trial took 1000.0s" in r.candidate("fake-compile").error

    # remembered as cheap: it runs although the first-compile guess would not fit
    monkeypatch.setattr(tp, "COMPILE_ESTIMATE_S", 10_000.0)
    remember(inductor, key, "fake-compile", 0.01)
    r = _search(tiny, tmp_path, ran, budget_s=60)
    assert ran == ["fake-compile"]
    assert r.candidate("fake-compile").status in ("ok", "rejected")
    # and its measured cost replaced the remembered one
    assert remembered(inductor, key, "fake-compile") >= 0.05
