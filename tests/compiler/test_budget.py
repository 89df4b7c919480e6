"""The search respects budget_s: a compiling candidate whose estimated cost does not fit in the
time left is skipped before it starts (a started torch.compile cannot be stopped). Custom
candidates marked `compiles=True` stand in for torch.compile: their trial cost is a sleep in
apply(), so which ones run does not depend on the machine's speed."""

from __future__ import annotations

import time

from jupyter_mlkit.compiler import Candidate, optimize
from jupyter_mlkit.compiler import torch_path as tp


def _recorder(ran, name, user, sleep_s=0.0):
    """apply() that notes each trial it runs in (on a copy; a win's install on the user's
    model, which noise can decide between equal candidates, is not a trial)."""

    def apply(model, optimizer):
        if model is not user:
            ran.append(name)
            time.sleep(sleep_s)

    return apply


def test_compiled_candidates_that_cannot_fit_are_skipped_not_run(tiny):
    model, x, y, loss_fn, opt = tiny
    ran: list[str] = []
    cands = [
        Candidate("fake-compile", _recorder(ran, "fake-compile", model), compiles=True),
        Candidate("cheap", _recorder(ran, "cheap", model)),
        Candidate("compile:max-autotune-fake", _recorder(ran, "autotune", model), compiles=True),
    ]
    # a first compile is estimated at >= 10 s: with 5 s only eager and the cheap one fit
    r = optimize(
        model,
        x,
        loss_fn=loss_fn,
        example_target=y,
        optimizer=opt,
        budget_s=5,
        candidates=cands,
        diagnose=False,  # no torch._dynamo.explain: its cost varies with the machine's load
    ).report
    assert ran == ["cheap"]
    assert [c.status for c in r.candidates] == ["ok", "skipped", "ok", "skipped"]
    skipped = r.candidate("fake-compile").error
    assert skipped.startswith("budget: ") and "first compile" in skipped
    assert "x2 for max-autotune" in r.candidate("compile:max-autotune-fake").error
    assert r.compile_total_s == 0.0


def test_the_measured_compile_cost_rules_out_the_next_compile(tiny, monkeypatch):
    model, x, y, loss_fn, opt = tiny
    # make the first-compile estimate small, so the first one starts and its cost is measured
    monkeypatch.setattr(tp, "COMPILE_ESTIMATE_S", 0.2)
    monkeypatch.setattr(tp, "COMPILE_WARMUP_S", 0.0)
    monkeypatch.setattr(tp, "COMPILE_S_PER_NODE", 0.0)
    ran: list[str] = []
    cands = [
        Candidate("compile-a", _recorder(ran, "a", model, sleep_s=2.0), compiles=True),
        Candidate("compile-b", _recorder(ran, "b", model, sleep_s=2.0), compiles=True),
        Candidate("cheap", _recorder(ran, "cheap", model)),
    ]
    # after compile-a (>= 2 s) at most 1.5 s are left: compile-b (~2 s) does not fit
    r = optimize(
        model,
        x,
        loss_fn=loss_fn,
        example_target=y,
        optimizer=opt,
        budget_s=3.5,
        candidates=cands,
        diagnose=False,
        batch_advice=False,
    ).report
    assert ran == ["a", "cheap"]
    b = r.candidate("compile-b")
    assert b.status == "skipped" and "the last compile trial took" in b.error
    # the report says how long the compile trials took, not only the chosen one's compile
    assert r.compile_total_s >= 2.0 and r.elapsed_s >= r.compile_total_s
    assert "in compile trials" in repr(r)
