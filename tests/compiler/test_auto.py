"""The helpers behind %%mlkit_compile: model discovery and optimize-on-first-call."""

from __future__ import annotations

import torch

from jupyter_mlkit.compiler import Candidate
from jupyter_mlkit.compiler.auto import arm, find_models

from .helpers import SlowSwitch


def test_find_models_matches_optimizers_and_skips_submodules():
    a, b = SlowSwitch(), SlowSwitch()
    opt_a = torch.optim.SGD(a.parameters(), lr=0.1)
    ns = {"a": a, "b": b, "layer": a.fc1, "opt_a": opt_a, "_hidden": SlowSwitch(), "n": 3}
    found = {name: (m, o) for name, m, o in find_models(ns)}
    assert set(found) == {"a", "b"}  # a.fc1 is inside a; _hidden is private
    assert found["a"] == (a, opt_a) and found["b"] == (b, None)


def test_arm_optimizes_on_first_training_call_and_installs():
    model = SlowSwitch(slow_s=0.02)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = []

    def fast(m, o):
        m.slow_s = 0.0

    armed = arm(
        model, opt, on_report=seen.append, budget_s=300, candidates=[Candidate("no-sleep", fast)]
    )
    x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
    for _ in range(2):  # the user's unchanged loop
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    assert armed.report is not None and seen == [armed.report]
    assert armed.report.strategy == "no-sleep" and model.slow_s == 0.0
    assert len(model._forward_pre_hooks) == 0


def test_arm_ignores_a_no_grad_first_call():
    model = SlowSwitch()
    armed = arm(model, budget_s=5, candidates=[])
    with torch.no_grad():
        model(torch.randn(2, 8))
    assert armed.report is None and "not a training step" in armed.error
