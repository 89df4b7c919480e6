"""Deterministic 2-rank DDP training script (gloo, CPU) for the nproc > 1 supervisor test.

Started by torchrun (``run_spot_job(..., nproc=2)``). Each rank seeds its RNGs with its own seed
(``seed + rank``, as data-parallel scripts usually do) and draws dropout and input noise from them,
so an exact resume needs every rank's RNG state back, not only rank 0's. Each step every rank
trains on its half of the same shuffled batch; DDP averages the gradients. torch.optim is not
used: it imports torch._dynamo, a second per rank and restart.
Usage: ddp_train.py OUT STEPS EVERY_STEPS SLEEP_S
"""

from __future__ import annotations

import os
import random
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
from chaos_train import MomentumSGD  # beside this script: on sys.path when torchrun runs it

from jupyter_mlkit.spot import Checkpointer, ResumableLoader


def main() -> None:
    out, steps, every, sleep_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.set_num_threads(1)
    torch.manual_seed(0)  # the same initial weights on every rank
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Dropout(0.3), torch.nn.Linear(16, 1)
    )
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    torch.manual_seed(100 + rank)  # from here on each rank draws its own random numbers
    random.seed(200 + rank)
    np.random.seed(300 + rank)
    g = torch.Generator().manual_seed(99)
    x = torch.randn(192, 8, generator=g)
    y = (x[:, :3].sum(dim=1, keepdim=True) > 0).float()
    loader = ResumableLoader(torch.utils.data.TensorDataset(x, y), batch_size=16, seed=3)
    opt = MomentumSGD(ddp.parameters(), lr=0.05, momentum=0.9)
    ckpt = Checkpointer(every_steps=every, every_seconds=None, keep=3, total_steps=steps)
    ckpt.track(model=model, optimizer=opt, loader=loader)
    start = ckpt.restore()
    batches = iter(loader)
    for step in range(start, steps):
        try:
            xb, yb = next(batches)
        except StopIteration:
            batches = iter(loader)
            xb, yb = next(batches)
        xb, yb = xb[rank::world], yb[rank::world]
        noise = float(np.random.uniform(-0.01, 0.01)) + random.gauss(0, 0.01)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(ddp(xb + noise), yb)
        loss.backward()
        opt.step()
        time.sleep(sleep_s)
        if (step + 1) % 20 == 0:
            ckpt.log(step=step + 1, loss=loss.item())
        ckpt.step(step + 1)
    ckpt.finish()
    if rank == 0:
        torch.save(model.state_dict(), out)
    # what each rank's RNGs would draw next: shows that every rank got its own state back
    probe = [torch.rand(1).item(), float(np.random.rand()), random.random()]
    with open(f"{out}.rank{rank}.rng", "w") as fh:
        fh.write(repr(probe))
    try:  # torchrun starts each rank in a session (an autogroup) of its own
        with open("/proc/self/autogroup") as fh:
            group = fh.read().strip()
    except OSError:
        group = ""
    with open(f"{out}.rank{rank}.nice", "w") as fh:
        fh.write(f"{os.getpriority(os.PRIO_PROCESS, 0)}|{group}")
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
