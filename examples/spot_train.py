"""A small deterministic training script that survives spot interruptions.

Run it alone (checkpoints in ./checkpoints, or $MLKIT_CHECKPOINT_URI), or under the supervisor:

    mlkit spot run --checkpoint-uri ./ckpts --simulate-interruptions 5 -- \
        python examples/spot_train.py

It trains a tiny MLP on generated data for 400 steps (about 5 s on one CPU core) and
writes the final weights to --out, so runs with and without interruptions can be compared.
"""

from __future__ import annotations

import argparse
import random

import numpy as np
import torch

from jupyter_mlkit.spot import Checkpointer, ResumableLoader


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--every-steps", type=int, default=20)
    # a heavier step than the tiny model needs, so simulated interruptions land mid-training
    p.add_argument("--sleep", type=float, default=0.01, help="extra seconds per step")
    p.add_argument("--out", default="final_weights.pt")
    p.add_argument("--async-save", action="store_true")
    args = p.parse_args()

    torch.set_num_threads(1)  # one thread: bit-identical results from run to run
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)

    g = torch.Generator().manual_seed(1234)  # the data never depends on the global RNG
    x = torch.randn(512, 16, generator=g)
    y = (x[:, :4].sum(dim=1, keepdim=True) > 0).float()
    loader = ResumableLoader(torch.utils.data.TensorDataset(x, y), batch_size=32, seed=7)

    model = torch.nn.Sequential(
        torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(32, 1)
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.7)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    ckpt = Checkpointer(
        every_steps=args.every_steps,
        every_seconds=None,
        async_save=args.async_save,
        total_steps=args.steps,
    )
    ckpt.track(model=model, optimizer=opt, scheduler=sched, loader=loader)
    start = ckpt.restore()

    batches = iter(loader)
    for step in range(start, args.steps):
        try:
            xb, yb = next(batches)
        except StopIteration:
            batches = iter(loader)
            xb, yb = next(batches)
        # python and numpy randomness too, so their RNG states must survive a restart
        noise = float(np.random.normal(0, 0.01)) + random.uniform(-0.01, 0.01)
        opt.zero_grad()
        loss = loss_fn(model(xb + noise), yb)
        loss.backward()
        opt.step()
        sched.step()
        if args.sleep:
            import time

            time.sleep(args.sleep)
        if (step + 1) % 10 == 0:
            ckpt.log(step=step + 1, loss=round(loss.item(), 6))
        ckpt.step(step + 1)
    ckpt.finish()
    torch.save(model.state_dict(), args.out)
    print(f"done: {args.steps} steps, resumed at {start}, weights in {args.out}")


if __name__ == "__main__":
    main()
