"""optimize() on real tiny PyTorch models: invariants, failures, install, report."""

from __future__ import annotations

import inspect
import json

import pytest
import torch

from jupyter_mlkit.compiler import Candidate, optimize
from jupyter_mlkit.compiler._torch_candidates import (
    activation_checkpointing,
    autocast,
    channels_last,
    checkpoint_blocks,
    install_loss_scaling,
    optimizer_flag,
)

from .helpers import SlowSwitch, assert_same_state, snapshot


def _hook_scale(factor):
    def apply(model, optimizer):
        model.register_forward_hook(lambda mod, inp, out: out * factor)

    return apply


def _raise(model, optimizer):
    raise RuntimeError("this backend cannot compile Frobnicate ops")


def _fast(model, optimizer):
    model.slow_s = 0.0


def test_trials_never_touch_weights_or_optimizer_state(tiny):
    model, x, y, loss_fn, opt = tiny
    snap = snapshot(model, opt)
    ids = [id(p) for p in model.parameters()]
    out = optimize(
        model,
        x,
        loss_fn=loss_fn,
        example_target=y,
        optimizer=opt,
        budget_s=300,
        candidates=[
            "optimizer:foreach",
            Candidate("perturb", _hook_scale(1.5)),
            Candidate("broken", _raise),
        ],
    )
    assert out.model is model
    assert [id(p) for p in out.model.parameters()] == ids
    assert [id(p) for g in opt.param_groups for p in g["params"]] == ids
    assert_same_state(model, opt, snap)
    assert len(model._forward_hooks) == 0  # the trial's hook went on a copy only


def test_bad_candidates_are_reported_not_raised(tiny):
    model, x, y, loss_fn, opt = tiny
    out = optimize(
        model,
        x,
        loss_fn=loss_fn,
        example_target=y,
        optimizer=opt,
        budget_s=300,
        candidates=[Candidate("broken", _raise), Candidate("perturb", _hook_scale(1.5))],
    )
    r = out.report
    assert r.strategy == "eager"
    broken = r.candidate("broken")
    assert broken.status == "failed"
    assert broken.error == "RuntimeError: this backend cannot compile Frobnicate ops"
    perturb = r.candidate("perturb")
    # Numerical check: output x1.5 changes the cross-entropy loss far beyond 1e-3.
    assert perturb.status == "rejected" and perturb.numerics_ok is False
    assert perturb.tolerance == pytest.approx(1e-3)
    assert perturb.max_rel_loss_diff > 1e-3
    assert "numerical check failed" in perturb.error and "tolerance 0.001" in perturb.error
    assert "every other candidate failed" in r.reason


def test_eager_kept_when_nothing_is_faster(tiny):
    model, x, y, loss_fn, opt = tiny

    def slow(model, optimizer):
        model.slow_s = 0.01

    out = optimize(
        model,
        x,
        loss_fn=loss_fn,
        example_target=y,
        optimizer=opt,
        budget_s=300,
        candidates=[Candidate("slower", slow)],
    )
    r = out.report
    assert r.strategy == "eager" and model.slow_s == 0.0
    assert r.candidate("slower").status == "ok" and r.candidate("slower").numerics_ok
    assert r.candidate("slower").step_s > r.eager_step_s
    assert "no candidate beat eager by 5%" in r.reason
    assert r.speedup == pytest.approx(1.0) and r.step_s == r.eager_step_s
    assert r.break_even_steps == 0 and r.applied == []


def test_winner_is_installed_in_place_with_same_parameters():
    torch.manual_seed(0)
    model = SlowSwitch(slow_s=0.02)
    x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    params = list(model.parameters())
    events = []
    out = optimize(
        model,
        x,
        loss_fn=torch.nn.functional.cross_entropy,
        example_target=y,
        optimizer=opt,
        budget_s=300,
        candidates=[Candidate("no-sleep", _fast, "skip the sleep")],
        progress=events.append,
    )
    r = out.report
    assert r.strategy == "no-sleep" and model.slow_s == 0.0  # installed on the user's model
    assert all(a is b for a, b in zip(out.model.parameters(), params, strict=True))
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert r.speedup > 1.05 and r.step_s == r.candidate("no-sleep").step_s
    assert r.eager_step_s >= 0.02
    assert "no-sleep runs a step" in r.reason
    assert [e["phase"] for e in events] == [
        "start",
        "candidate",
        "trying",
        "candidate",
        "confirm",
        "done",
    ]
    # the user's own loop still trains the same parameters
    loss = torch.nn.functional.cross_entropy(out.model(x), y)
    loss.backward()
    opt.step()
    assert not torch.equal(model.fc1.weight, before["fc1.weight"])


def test_eager_failure_never_raises(tiny):
    model, x, y, loss_fn, opt = tiny
    snap = snapshot(model, opt)
    # non-scalar loss
    out = optimize(
        model,
        x,
        loss_fn=lambda o, t: o,
        example_target=y,
        optimizer=opt,
        budget_s=10,
        candidates=["optimizer:foreach"],
    )
    r = out.report
    assert r.strategy == "eager" and r.candidate("eager").status == "failed"
    assert "loss must be a scalar tensor, got shape (16, 3)" in r.reason
    assert r.candidate("optimizer:foreach").status == "skipped"
    # wrong input shape
    out = optimize(
        model,
        torch.randn(16, 5),
        loss_fn=loss_fn,
        example_target=y,
        optimizer=opt,
        budget_s=10,
        candidates=[],
    )
    assert out.report.strategy == "eager"
    assert "RuntimeError" in out.report.candidate("eager").error
    assert "fails eagerly" in out.report.reason
    assert_same_state(model, opt, snap)


def test_bad_arguments_raise_clear_errors(tiny):
    model, x, y, loss_fn, opt = tiny
    with pytest.raises(ValueError, match="objective must be one of"):
        optimize(model, x, objective="fastest")
    with pytest.raises(ValueError, match="unknown candidate 'nope'"):
        optimize(model, x, candidates=["nope"])
    with pytest.raises(ValueError, match="budget_s must be a positive"):
        optimize(model, x, budget_s=0)
    with pytest.raises(TypeError, match="torch.nn.Module or a keras.Model"):
        optimize(object(), x)


def test_report_fields_and_renderings(tiny):
    model, x, y, loss_fn, opt = tiny
    r = optimize(
        model,
        x,
        loss_fn=loss_fn,
        example_target=y,
        optimizer=opt,
        budget_s=300,
        candidates=["optimizer:foreach"],
    ).report
    d = json.loads(json.dumps(r.to_dict()))
    for key in (
        "strategy",
        "candidates",
        "eager_step_s",
        "step_s",
        "speedup",
        "peak_mem_eager_bytes",
        "peak_mem_bytes",
        "compile_s",
        "break_even_steps",
        "graph_count",
        "graph_breaks",
        "recompiles",
        "reason",
        "elapsed_s",
    ):
        assert key in d
    assert [c["name"] for c in d["candidates"]] == ["eager", "optimizer:foreach"]
    assert r.step_s == r.candidate(r.strategy).step_s
    assert r.peak_mem_bytes == r.candidate(r.strategy).peak_mem_bytes
    # peak memory includes at least the parameters, grads and Adam's two moments
    nbytes = sum(p.numel() * 4 for p in model.parameters())
    assert r.peak_mem_eager_bytes >= 4 * nbytes
    assert 0 < r.elapsed_s < 300 and r.budget_s == 300
    assert r.strategy in repr(r) and "optimizer:foreach" in repr(r)
    assert "<table>" in r._repr_html_()


def test_budget_skips_remaining_candidates(tiny):
    model, x, y, loss_fn, opt = tiny
    r = optimize(
        model,
        x,
        loss_fn=loss_fn,
        example_target=y,
        optimizer=opt,
        budget_s=0.001,
        candidates=["optimizer:foreach", "compile:default"],
    ).report
    assert [c.status for c in r.candidates] == ["ok", "skipped", "skipped"]
    assert r.candidate("compile:default").error.startswith("budget:")
    assert r.strategy == "eager" and "no other candidate was tried" in r.reason


def test_bf16_autocast_is_a_drop_in_forward(tiny):
    model, x, y, loss_fn, opt = tiny
    sig = inspect.signature(model.forward)
    keys = list(model.state_dict())
    ids = [id(p) for p in model.parameters()]
    r = optimize(
        model,
        x,
        loss_fn=loss_fn,
        example_target=y,
        optimizer=opt,
        budget_s=300,
        candidates=[Candidate("bf16", autocast("cpu", torch.bfloat16), precision="bf16")],
    ).report
    c = r.candidate("bf16")
    assert c.status == "ok" and c.numerics_ok and c.tolerance == pytest.approx(5e-2)
    autocast("cpu", torch.bfloat16)(model, opt)  # install by hand to check the wrapper
    assert isinstance(model, SlowSwitch)
    assert inspect.signature(model.forward) == sig
    assert list(model.state_dict()) == keys and [id(p) for p in model.parameters()] == ids
    assert model(x).dtype == torch.float32  # outputs come back in float32 for the loss


def test_channels_last_keeps_parameter_objects():
    conv = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    w = conv[0].weight
    ref = w.detach().clone()
    channels_last(conv, None)
    assert conv[0].weight is w and torch.equal(w, ref)
    assert w.is_contiguous(memory_format=torch.channels_last)
    assert conv(torch.randn(2, 3, 8, 8)).shape == (2, 4, 6, 6)


def test_optimizer_flags_change_param_groups_only(tiny):
    model, x, y, loss_fn, opt = tiny
    snap = snapshot(model, opt)
    optimizer_flag("fused")(model, opt)
    assert all(g["fused"] and not g["foreach"] for g in opt.param_groups)
    assert_same_state(model, opt, snap)


def _blocks(n=4, width=64):
    return torch.nn.Sequential(
        torch.nn.Linear(32, width),
        *[
            torch.nn.Sequential(
                torch.nn.Linear(width, 4 * width),
                torch.nn.GELU(),
                torch.nn.Linear(4 * width, width),
            )
            for _ in range(n)
        ],
        torch.nn.Linear(width, 1),
    )


def test_activation_checkpointing_lowers_measured_peak_memory():
    model = _blocks()
    assert len(checkpoint_blocks(model)) == 4
    x, y = torch.randn(256, 32), torch.randn(256, 1)
    r = optimize(
        model,
        x,
        loss_fn=torch.nn.functional.mse_loss,
        example_target=y,
        objective="memory",
        budget_s=300,
        batch_advice=False,
        candidates=[Candidate("checkpoint", activation_checkpointing)],
    ).report
    ck = r.candidate("checkpoint")
    assert ck.status == "ok" and ck.numerics_ok and ck.max_rel_loss_diff < 1e-6
    # each block keeps a 256x256 GELU input and output alive in eager: 4 blocks x 2 x 256 KiB
    assert ck.peak_mem_bytes < 0.8 * r.peak_mem_eager_bytes
    with pytest.raises(ValueError, match="no repeated blocks"):
        activation_checkpointing(torch.nn.Linear(2, 2), None)


def test_loss_scaling_unscales_and_skips_nonfinite_steps():
    torch.manual_seed(0)
    a = torch.nn.Linear(4, 2)
    b = torch.nn.Linear(4, 2)
    b.load_state_dict(a.state_dict())
    oa, ob = torch.optim.SGD(a.parameters(), lr=0.1), torch.optim.SGD(b.parameters(), lr=0.1)
    state = install_loss_scaling(b, ob)
    x = torch.randn(8, 4)
    for m, o in ((a, oa), (b, ob)):
        o.zero_grad()
        m(x).pow(2).mean().backward()
        o.step()
    assert torch.allclose(a.weight, b.weight, rtol=1e-5, atol=1e-7)  # scale 65536 undone
    before = b.weight.detach().clone()
    ob.zero_grad()
    (b(x).sum() * float("inf")).backward()
    ob.step()
    assert torch.equal(b.weight, before) and state.skipped == 1 and state.scale == 2.0**15


def test_copies_drop_an_installed_loss_scaler():
    from jupyter_mlkit.compiler._torch_trial import copy_state

    model = torch.nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    install_loss_scaling(model, opt)
    m, o = copy_state(model, opt)
    assert len(m._forward_hooks) == 0 and "step" not in o.__dict__
    assert len(model._forward_hooks) == 1 and "step" in opt.__dict__  # the user's keep theirs
    assert o.param_groups[0]["params"][0] is m.weight


def test_candidate_validation():
    with pytest.raises(ValueError, match="precision must be one of"):
        Candidate("x", precision="int8")
    with pytest.raises(ValueError, match="apply must be callable"):
        Candidate("x", apply="compile")


class SleepyBlocks(torch.nn.Module):
    """Repeated blocks plus a fixed sleep, so checkpointing's recompute costs well under 1.3x
    and the memory objective's choice does not depend on timing luck."""

    def __init__(self):
        super().__init__()
        self.body = _blocks()

    def forward(self, x):
        import time

        time.sleep(0.06)
        return self.body(x)


def test_memory_objective_installs_checkpointing_and_advises_batch_size():
    torch.manual_seed(0)
    model = SleepyBlocks()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(256, 32), torch.randn(256, 1)
    r = optimize(
        model,
        x,
        loss_fn=torch.nn.functional.mse_loss,
        example_target=y,
        optimizer=opt,
        objective="memory",
        budget_s=300,
        candidates=["checkpoint"],
    ).report
    assert r.strategy == "checkpoint", repr(r)
    assert r.memory_saving > 0.15 and "lowers peak memory" in r.reason
    assert "model: checkpoint" in r.applied
    assert all(
        getattr(type(b), "_mlkit_tags", ()) == ("checkpoint",) for b in checkpoint_blocks(model)
    )
    adv = r.batch_advice
    assert adv["batch_size"] == 256 and adv["max_batch_size"] > 256
    tried = [t["batch_size"] for t in adv["tried"]]
    assert tried == sorted(tried) and tried[0] == 320  # 1.25x first
    fits = [t for t in adv["tried"] if t["batch_size"] <= adv["max_batch_size"]]
    assert all(t["peak_mem_bytes"] <= r.peak_mem_eager_bytes for t in fits)
    k = adv["max_batch_size"] / 256
    assert adv["lr_linear"] == pytest.approx(0.1 * k) and adv["lr_sqrt"] == pytest.approx(
        0.1 * k**0.5
    )


def test_numerical_check_tolerances():
    from jupyter_mlkit.compiler._torch_trial import check_numerics, has_active_dropout
    from jupyter_mlkit.compiler.report import CandidateResult

    eager = CandidateResult("eager", status="ok", losses=[2.0, 1.0, 0.5])
    check_numerics(eager, eager, Candidate("eager"), dropout=False)
    assert eager.numerics_ok and eager.max_rel_loss_diff == 0.0

    def run(losses, cand, dropout=False):
        r = CandidateResult(cand.name, status="ok", losses=losses)
        check_numerics(r, eager, cand, dropout)
        return r

    # 0.5 -> 0.52 is a 4% relative difference: fine for bf16 (5%), not for fp32 (0.1%)
    assert run([2.0, 1.0, 0.52], Candidate("bf16", precision="bf16")).numerics_ok
    r = run([2.0, 1.0, 0.52], Candidate("fp32"))
    assert r.status == "rejected" and r.max_rel_loss_diff == pytest.approx(0.04)
    # compiled + dropout: RNG streams differ, so the tolerance widens to 0.1
    r = run([2.0, 1.0, 0.52], Candidate("c", compiles=True), dropout=True)
    assert r.numerics_ok and r.tolerance == pytest.approx(0.1)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.1))
    assert has_active_dropout(model) and not has_active_dropout(model.eval())


class SleepySGD(torch.optim.SGD):
    """SGD whose step sleeps while `sleep_s` is set: an optimizer-axis slowness to remove."""

    sleep_s = 0.02

    def step(self, closure=None):
        import time

        if self.param_groups[0].get("sleepy", True):
            time.sleep(self.sleep_s)
        return super().step(closure)


def test_winners_on_different_axes_are_combined():
    torch.manual_seed(0)
    model = SlowSwitch(slow_s=0.02)
    opt = SleepySGD(model.parameters(), lr=0.1)
    x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))

    def wake_optimizer(m, o):
        for g in o.param_groups:
            g["sleepy"] = False

    r = optimize(
        model,
        x,
        loss_fn=torch.nn.functional.cross_entropy,
        example_target=y,
        optimizer=opt,
        budget_s=300,
        candidates=[Candidate("no-sleep", _fast), Candidate("optimizer:awake", wake_optimizer)],
    ).report
    names = [c.name for c in r.candidates]
    assert names == ["eager", "no-sleep", "optimizer:awake", "no-sleep + optimizer:awake"]
    assert r.strategy == "no-sleep + optimizer:awake", repr(r)
    assert model.slow_s == 0.0 and opt.param_groups[0]["sleepy"] is False  # both installed
    assert "optimizer: optimizer:awake (custom candidate)" in r.applied
    assert r.speedup > 2  # ~40 ms of sleep -> ~0
