"""The one real torch.compile (Inductor) in the suite, on a model without graph breaks (each
graph costs seconds on this CPU); graph-break diagnostics run on Dynamo alone (explain)."""

from __future__ import annotations

import torch

from jupyter_mlkit.compiler import optimize
from jupyter_mlkit.compiler.diagnostics import advice_for, explain_torch


class Branchy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(8, 16)
        self.fc2 = torch.nn.Linear(16, 3)

    def forward(self, x):
        h = self.fc1(x)
        if h.sum() > 0:  # data-dependent Python branch: Dynamo must break the graph here
            h = h * 0.5
        return self.fc2(torch.relu(h))


class Plain(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(8, 16)
        self.fc2 = torch.nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def test_explain_finds_data_dependent_branch_in_user_code():
    model = Branchy()
    ref = {k: v.clone() for k, v in model.state_dict().items()}
    graphs, breaks = explain_torch(model, (torch.randn(4, 8),), {})
    assert graphs == 2 and len(breaks) == 1
    assert any("test_compile_real.py" in f and "in forward" in f for f in breaks[0].user_frames)
    assert all(torch.equal(v, ref[k]) for k, v in model.state_dict().items())
    tips = advice_for(breaks, recompiles=2, compile_s=1.0)
    assert tips[0].startswith("1 graph break(s), first at ") and "test_compile_real.py" in tips[0]
    assert any("2 recompile(s)" in t for t in tips)


def test_real_compile_candidate(tmp_path, monkeypatch):
    # optimize() points Inductor's cache at cache_dir via the environment; undo it afterwards
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    monkeypatch.delenv("TRITON_CACHE_DIR", raising=False)
    model = Plain()
    x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ref = {k: v.clone() for k, v in model.state_dict().items()}
    params = list(model.parameters())
    out = optimize(
        model,
        x,
        loss_fn=torch.nn.functional.cross_entropy,
        example_target=y,
        optimizer=opt,
        budget_s=120,
        candidates=["compile:default"],
        cache_dir=str(tmp_path),
    )
    r = out.report
    c = r.candidate("compile:default")
    assert c.status == "ok", c.error
    assert c.numerics_ok and c.max_rel_loss_diff <= 1e-3
    assert c.compile_s > 0
    assert r.graph_count == 1 and r.graph_breaks == [] and r.recompiles == 0
    assert r.cache_dir == str(tmp_path / "inductor")
    # whatever won, the model is a drop-in: same object, same parameters, same weights
    assert out.model is model
    assert all(a is b for a, b in zip(model.parameters(), params, strict=True))
    assert all(torch.equal(v, ref[k]) for k, v in model.state_dict().items())
    if r.strategy == "compile:default":
        assert r.speedup >= 1.05 and r.break_even_steps is not None
        assert "model: compile:default" in r.applied
    with torch.no_grad():
        assert out.model(x).shape == (16, 3)
