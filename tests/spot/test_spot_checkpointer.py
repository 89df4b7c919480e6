"""Checkpointer in-process: exact resume, RNGs, mismatch errors, async save, notices, samplers."""

from __future__ import annotations

import json
import os
import random
import signal

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from jupyter_mlkit.spot import (  # noqa: E402
    INTERRUPTED_EXIT_CODE,
    Checkpointer,
    CheckpointMismatchError,
    ResumableLoader,
    ResumableSampler,
)


def make(seed: int = 0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.3), torch.nn.Linear(8, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    data = torch.utils.data.TensorDataset(torch.arange(40.0).reshape(10, 4), torch.ones(10, 1))
    loader = ResumableLoader(data, batch_size=3, seed=5)
    return model, opt, sched, scaler, loader


def train(model, opt, sched, loader, ckpt, start, stop):
    batches = iter(loader)
    for step in range(start, stop):
        try:
            xb, yb = next(batches)
        except StopIteration:
            batches = iter(loader)
            xb, yb = next(batches)
        noise = random.random() * 1e-3 + float(np.random.rand()) * 1e-3
        loss = ((model(xb / 40 + noise) - yb) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if ckpt is not None:
            ckpt.step(step + 1)


@pytest.fixture
def no_imds(monkeypatch):
    monkeypatch.setenv("MLKIT_IMDS_ENDPOINT", "")
    monkeypatch.delenv("MLKIT_SPOT_CHANNEL", raising=False)


def test_resume_is_exact(tmp_path, no_imds):
    random.seed(1)
    np.random.seed(1)
    ref = make()
    train(*ref[:3], ref[4], None, 0, 20)

    random.seed(1)
    np.random.seed(1)
    model, opt, sched, scaler, loader = make()
    ckpt = Checkpointer(tmp_path, every_steps=7, every_seconds=None)
    ckpt.track(model=model, optimizer=opt, scheduler=sched, scaler=scaler, loader=loader)
    assert ckpt.restore() == 0
    train(model, opt, sched, loader, ckpt, 0, 11)  # saved at 7; steps 8-11 are lost
    ckpt.close()

    # a new "process": fresh objects with other random states, then restore
    random.seed(99)
    np.random.seed(99)
    model2, opt2, sched2, scaler2, loader2 = make(seed=42)
    ckpt2 = Checkpointer(tmp_path, every_steps=7, every_seconds=None)
    ckpt2.track(model=model2, optimizer=opt2, scheduler=sched2, scaler=scaler2, loader=loader2)
    assert ckpt2.restore() == 7
    assert (loader2.epoch, loader2.batch) == (1, 3)  # 4 batches per epoch: 7 = 4 + 3
    assert scaler2.get_scale() == 1024.0 and sched2.last_epoch == 7
    train(model2, opt2, sched2, loader2, ckpt2, 7, 20)
    ckpt2.close()
    for a, b in zip(ref[0].state_dict().values(), model2.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_every_rng_is_restored(tmp_path, no_imds):
    model = torch.nn.Linear(2, 2)
    gen = torch.Generator().manual_seed(3)
    npgen = np.random.default_rng(4)
    ckpt = Checkpointer(tmp_path, every_seconds=None)
    ckpt.track(model=model, gen=gen, npgen=npgen)
    ckpt.restore()
    ckpt.save(1, blocking=True)
    expected = (
        random.random(),
        float(np.random.rand()),
        torch.rand(1).item(),
        torch.rand(1, generator=gen).item(),
        float(npgen.random()),
    )
    ckpt.close()
    random.seed(123)
    torch.manual_seed(123)
    ckpt = Checkpointer(tmp_path, every_seconds=None)
    ckpt.track(model=model, gen=gen, npgen=npgen)
    assert ckpt.restore() == 1
    got = (
        random.random(),
        float(np.random.rand()),
        torch.rand(1).item(),
        torch.rand(1, generator=gen).item(),
        float(npgen.random()),
    )
    assert got == expected
    ckpt.close()


def test_checkpoint_from_another_model_names_the_keys(tmp_path, no_imds):
    ckpt = Checkpointer(tmp_path, every_seconds=None)
    ckpt.track(model=torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Linear(8, 1)))
    ckpt.restore()
    ckpt.save(5, blocking=True)
    ckpt.close()
    other = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    before = [p.clone() for p in other.parameters()]
    ckpt = Checkpointer(tmp_path, every_seconds=None).track(model=other)
    with pytest.raises(CheckpointMismatchError) as info:
        ckpt.restore()
    msg = str(info.value)
    assert "'model' is not the model this checkpoint was written for" in msg
    assert "keys missing from the checkpoint: 2.bias, 2.weight" in msg
    assert "unexpected keys in the checkpoint: 1.bias, 1.weight" in msg
    assert "0.weight: checkpoint (8, 4) vs model (16, 4)" in msg
    # the model is untouched by the failed restore
    assert all(torch.equal(a, b) for a, b in zip(before, other.parameters(), strict=True))
    ckpt.close()
    ckpt = Checkpointer(tmp_path, every_seconds=None).track(net=torch.nn.Linear(1, 1))
    with pytest.raises(
        CheckpointMismatchError, match=r"no state for tracked object\(s\) \['net'\]"
    ):
        ckpt.restore()
    ckpt.close()


def test_untrackable_object_is_rejected_at_track(tmp_path, no_imds):
    ckpt = Checkpointer(tmp_path)
    with pytest.raises(TypeError, match="cannot checkpoint list: it needs state_dict"):
        ckpt.track(history=[1, 2])
    with pytest.raises(ValueError, match="nothing tracked"):
        ckpt.restore()
    ckpt.close()


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="every_steps must be >= 1"):
        Checkpointer(tmp_path, every_steps=0)
    with pytest.raises(ValueError, match="keep must be >= 1"):
        Checkpointer(tmp_path, keep=0)


def test_async_save_writes_the_state_of_the_moment(tmp_path, no_imds):
    model = torch.nn.Linear(3, 3)
    ckpt = Checkpointer(tmp_path, every_steps=1, every_seconds=None, async_save=True, keep=2)
    ckpt.track(model=model)
    ckpt.restore()
    with torch.no_grad():
        model.weight.fill_(1.0)
    assert ckpt.step(1) is True  # returns once the state is copied
    with torch.no_grad():
        model.weight.fill_(2.0)  # training goes on while the write happens
    ckpt.wait()
    assert ckpt.last_saved_step == 1 and ckpt.saves[0]["bytes"] > 0
    ckpt.close()
    fresh = torch.nn.Linear(3, 3)
    c2 = Checkpointer(tmp_path, every_seconds=None).track(model=fresh)
    assert c2.restore() == 1
    assert torch.equal(fresh.weight, torch.ones(3, 3))
    c2.close()


def test_keep_and_time_based_saves(tmp_path, no_imds):
    model = torch.nn.Linear(1, 1)
    ckpt = Checkpointer(tmp_path, every_steps=2, every_seconds=None, keep=2).track(model=model)
    ckpt.restore()
    saved = [s for s in range(1, 9) if ckpt.step(s)]
    assert saved == [2, 4, 6, 8]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-0000000006", "step-0000000008"]
    ckpt.close()
    ckpt = Checkpointer(tmp_path, every_seconds=1000).track(model=model)
    ckpt.restore()
    assert ckpt.due(9) is False
    ckpt.last_save_time -= 1001  # as if 1001 s had passed
    assert ckpt.due(9) is True
    ckpt.close()


def test_sigterm_saves_then_exits_interrupted(tmp_path, no_imds, monkeypatch):
    channel = tmp_path / "channel.jsonl"
    monkeypatch.setenv("MLKIT_SPOT_CHANNEL", str(channel))
    model = torch.nn.Linear(2, 1)
    ckpt = Checkpointer(tmp_path / "ck", every_steps=100, every_seconds=None).track(model=model)
    ckpt.restore()
    ckpt.step(1)
    ckpt.log(loss=0.5)
    os.kill(os.getpid(), signal.SIGTERM)  # a real signal, caught by the Checkpointer's handler
    with pytest.raises(SystemExit) as info:
        ckpt.step(2)
    assert info.value.code == INTERRUPTED_EXIT_CODE
    records = [json.loads(line) for line in channel.read_text().splitlines()]
    kinds = [r["type"] for r in records]
    assert kinds == [
        "ready",
        "metric",
        "notice",
        "save_start",
        "save_file",  # state.pt durable
        "save_file",  # rng.json durable
        "save_done",
        "exit",
    ]
    assert [r["file"] for r in records if r["type"] == "save_file"] == ["state.pt", "rng.json"]
    assert records[1]["loss"] == 0.5 and records[1]["step"] == 1
    assert records[-1] == {**records[-1], "saved": True, "step": 2, "code": 75}
    assert signal.getsignal(signal.SIGTERM) is not ckpt.watcher._on_sigterm  # handler restored


def test_finish_saves_final_step(tmp_path, no_imds):
    model = torch.nn.Linear(1, 1)
    ckpt = Checkpointer(tmp_path, every_steps=10, every_seconds=None).track(model=model)
    ckpt.restore()
    ckpt.step(3)
    ckpt.finish()
    assert [p.name for p in tmp_path.iterdir()] == ["step-0000000003"]


def test_resumable_sampler_continues_mid_epoch():
    s = ResumableSampler(6, seed=2)
    it = iter(s)
    first = [next(it) for _ in range(4)]
    state = s.state_dict()
    assert state == {"epoch": 0, "position": 4, "seed": 2, "n": 6}
    rest_epoch0 = list(it)
    epoch1 = list(s)
    s2 = ResumableSampler(6, seed=2)
    s2.load_state_dict(state)
    assert list(s2) == rest_epoch0 and list(s2) == epoch1
    assert sorted(first + rest_epoch0) == list(range(6)) and epoch1 != first + rest_epoch0
    with pytest.raises(ValueError, match="saved for 6 items, this dataset has 7"):
        ResumableSampler(7).load_state_dict(state)


def test_resumable_loader_counts_delivered_batches():
    data = torch.utils.data.TensorDataset(torch.arange(10))
    loader = ResumableLoader(data, batch_size=4, seed=1)
    assert len(loader) == 3
    it = iter(loader)
    next(it)
    assert loader.state_dict()["batch"] == 1
    rest = [b[0].tolist() for b in it]
    again = ResumableLoader(data, batch_size=4, seed=1)
    again.load_state_dict({"epoch": 0, "batch": 1, "seed": 1, "n": 10})
    assert [b[0].tolist() for b in again] == rest and again.epoch == 1
