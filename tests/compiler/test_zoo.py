"""Every zoo model builds with generated data and trains one step (tiny sizes)."""

from __future__ import annotations

import pytest
import torch

from jupyter_mlkit.compiler import zoo
from jupyter_mlkit.compiler._torch_candidates import checkpoint_blocks
from jupyter_mlkit.compiler._torch_trial import Batch, normalize_inputs, train_step


@pytest.mark.parametrize("name", zoo.MODELS)
def test_torch_zoo_model_trains_one_step(name):
    case = zoo.build(name, "torch", "tiny")
    before = [p.detach().clone() for p in case.model.parameters()]
    args, kwargs = normalize_inputs(case.example_inputs)
    opt = torch.optim.SGD(case.model.parameters(), lr=0.1)
    loss = train_step(case.model, opt, Batch(args, kwargs, case.example_target, case.loss_fn))
    assert loss.dim() == 0 and torch.isfinite(loss)
    assert any(not torch.equal(a, b) for a, b in zip(before, case.model.parameters(), strict=True))


def test_zoo_is_deterministic_and_sized():
    a, b = zoo.build("bert", size="tiny", seed=3), zoo.build("bert", size="tiny", seed=3)
    assert torch.equal(a.example_inputs, b.example_inputs)
    assert all(
        torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True)
    )
    assert zoo.build("resnet", size="tiny", batch_size=2).example_inputs.shape == (2, 3, 16, 16)
    assert len(checkpoint_blocks(zoo.build("gpt", size="tiny").model)) == 2


def test_zoo_bad_names():
    with pytest.raises(ValueError, match="unknown zoo model 'vgg'"):
        zoo.build("vgg")
    with pytest.raises(ValueError, match="unknown size 'huge'"):
        zoo.build("bert", size="huge")
    with pytest.raises(ValueError, match="framework must be"):
        zoo.build("bert", framework="jax")
    with pytest.raises(ValueError, match="no Keras version"):
        zoo.build("tcn", framework="keras")


@pytest.mark.parametrize("name", zoo.MODELS)
def test_optimize_returns_drop_in_for_every_torch_zoo_model(name):
    from jupyter_mlkit.compiler import optimize

    case = zoo.build(name, "torch", "tiny")
    opt = torch.optim.Adam(case.model.parameters(), lr=1e-3)
    ref = {k: v.clone() for k, v in case.model.state_dict().items()}
    ids = [id(p) for p in case.model.parameters()]
    out = optimize(
        case.model,
        case.example_inputs,
        loss_fn=case.loss_fn,
        example_target=case.example_target,
        optimizer=opt,
        objective="balanced",
        budget_s=300,
        candidates=["optimizer:foreach", "checkpoint"],
    )
    r = out.report
    assert r.candidate("eager").status == "ok"
    expected = "ok" if name not in ("lstm", "dlrm", "mlp") else "failed"  # no repeated blocks
    assert r.candidate("checkpoint").status in (expected, "rejected")
    assert out.model is case.model and [id(p) for p in out.model.parameters()] == ids
    assert all(torch.equal(v, ref[k]) for k, v in case.model.state_dict().items())
    args, kwargs = normalize_inputs(case.example_inputs)
    loss = case.loss_fn(out.model(*args, **kwargs), case.example_target)
    assert loss.dim() == 0


def test_bench_zoo_row_restores_threads():
    from jupyter_mlkit.compiler import Candidate
    from jupyter_mlkit.compiler.bench import bench_zoo

    def one_thread(model, optimizer):
        pass

    torch.set_num_threads(2)
    row = bench_zoo(
        "mlp",
        "torch",
        "tiny",
        budget_s=300,  # an upper bound: a loaded CI machine must not cut the list short
        candidates=[Candidate("threads=1", one_thread, threads=1)],
    )
    assert torch.get_num_threads() == 2  # even if threads=1 won, the next model starts at 2
    assert row["model"] == "mlp" and row["framework"] == "torch" and row["size"] == "tiny"
    assert [c["name"] for c in row["candidates"]] == ["eager", "threads=1"]
    assert row["strategy"] in ("eager", "threads=1")
    assert (
        row["eager_step_ms"] > 0 and row["peak_mem_eager_mb"] is not None
    )  # measured (a tiny model rounds to 0.0 MiB)
