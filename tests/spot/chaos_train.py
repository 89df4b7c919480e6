"""Deterministic training script for the chaos tests (run as a child process).

torch.optim is deliberately not used: it imports torch._dynamo (about a second per process start),
and the chaos tests start this script 40+ times. The hand-written momentum SGD and LR schedule are
plain objects with state_dict(), which the Checkpointer must handle like any optimizer.
Usage: chaos_train.py OUT STEPS EVERY_STEPS SLEEP_S
"""

from __future__ import annotations

import random
import sys
import time

import numpy as np
import torch

from jupyter_mlkit.spot import Checkpointer, ResumableLoader


class MomentumSGD:
    def __init__(self, params, lr: float, momentum: float):
        self.params = list(params)
        self.lr = lr
        self.momentum = momentum
        self.buffers = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self) -> None:
        for p, buf in zip(self.params, self.buffers, strict=True):
            buf.mul_(self.momentum).add_(p.grad)
            p.add_(buf, alpha=-self.lr)
            p.grad = None

    def state_dict(self) -> dict:
        return {"lr": self.lr, "buffers": [b.clone() for b in self.buffers]}

    def load_state_dict(self, state: dict) -> None:
        self.lr = state["lr"]
        for b, saved in zip(self.buffers, state["buffers"], strict=True):
            b.copy_(saved)


class Decay:
    def __init__(self, opt: MomentumSGD, every: int, gamma: float):
        self.opt, self.every, self.gamma, self.count = opt, every, gamma, 0

    def step(self) -> None:
        self.count += 1
        if self.count % self.every == 0:
            self.opt.lr *= self.gamma

    def state_dict(self) -> dict:
        return {"count": self.count}

    def load_state_dict(self, state: dict) -> None:
        self.count = state["count"]


def main() -> None:
    out, steps, every, sleep_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    torch.set_num_threads(1)
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    g = torch.Generator().manual_seed(99)
    x = torch.randn(256, 8, generator=g)
    y = (x[:, :3].sum(dim=1, keepdim=True) > 0).float()
    loader = ResumableLoader(torch.utils.data.TensorDataset(x, y), batch_size=16, seed=3)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Dropout(0.2), torch.nn.Linear(16, 1)
    )
    opt = MomentumSGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = Decay(opt, every=40, gamma=0.8)
    ckpt = Checkpointer(every_steps=every, every_seconds=None, keep=3, total_steps=steps)
    ckpt.track(model=model, optimizer=opt, scheduler=sched, loader=loader)
    start = ckpt.restore()
    batches = iter(loader)
    for step in range(start, steps):
        try:
            xb, yb = next(batches)
        except StopIteration:
            batches = iter(loader)
            xb, yb = next(batches)
        jitter = float(np.random.uniform(-0.01, 0.01)) + random.gauss(0, 0.01)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xb + jitter), yb)
        loss.backward()
        opt.step()
        sched.step()
        time.sleep(sleep_s)
        if (step + 1) % 25 == 0:
            ckpt.log(step=step + 1, loss=loss.item())
        ckpt.step(step + 1)
    ckpt.finish()
    torch.save(model.state_dict(), out)


if __name__ == "__main__":
    main()
