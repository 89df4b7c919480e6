"""Shared helpers for the training-compiler tests."""

from __future__ import annotations

import torch


class SlowSwitch(torch.nn.Module):
    """A tiny MLP whose forward sleeps while `self.slow` is set: gives the tests a candidate
    that is deterministically faster than eager (flip the flag) without timing luck."""

    def __init__(self, slow_s: float = 0.0):
        super().__init__()
        self.fc1 = torch.nn.Linear(8, 16)
        self.fc2 = torch.nn.Linear(16, 3)
        self.slow_s = slow_s

    def forward(self, x):
        if self.slow_s:
            import time

            time.sleep(self.slow_s)
        return self.fc2(torch.relu(self.fc1(x)))


def snapshot(model, opt):
    params = {k: v.detach().clone() for k, v in model.state_dict().items()}
    state = {
        i: {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in s.items()}
        for i, s in opt.state_dict()["state"].items()
    }
    return params, state


def assert_same_state(model, opt, snap):
    params, state = snap
    now = model.state_dict()
    assert now.keys() == params.keys()
    for k, v in params.items():
        assert torch.equal(now[k], v), f"parameter {k} changed"
    for i, s in opt.state_dict()["state"].items():
        for k, v in s.items():
            if isinstance(v, torch.Tensor):
                assert torch.equal(v, state[i][k]), f"optimizer state {i}.{k} changed"
            else:
                assert v == state[i][k]
