"""Fixtures for the training-compiler tests: tiny models, one CPU thread, deterministic data."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from .helpers import SlowSwitch  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(old)


@pytest.fixture
def tiny():
    """(model, inputs, target, loss_fn, optimizer with real state after one step)."""
    model = SlowSwitch()
    x = torch.randn(16, 8)
    y = torch.randint(0, 3, (16,))
    loss_fn = torch.nn.functional.cross_entropy
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn(model(x), y).backward()
    opt.step()  # optimizer now has exp_avg/exp_avg_sq state the trials must not touch
    return model, x, y, loss_fn, opt
