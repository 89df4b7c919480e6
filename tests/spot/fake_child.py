"""A stand-in training script for supervisor tests: speaks the channel protocol without torch.

It reports ready (resuming at the step stored in MLKIT_CHECKPOINT_URI/step.txt), counts steps
every 10 ms, "saves" the step every 5 steps, and on SIGTERM saves and exits with the interrupted
status, as the Checkpointer does. Usage: fake_child.py TOTAL_STEPS [crash_code]
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

INTERRUPTED = 75
total = int(sys.argv[1])
crash = int(sys.argv[2]) if len(sys.argv) > 2 else 0
root = os.environ["MLKIT_CHECKPOINT_URI"]
os.makedirs(root, exist_ok=True)
state = os.path.join(root, "step.txt")
channel = os.environ.get("MLKIT_SPOT_CHANNEL")
noticed = []


def emit(kind, **fields):
    if channel:
        with open(channel, "a") as fh:
            fh.write(json.dumps({"type": kind, "time": time.time(), **fields}) + "\n")


def save(step):
    emit("save_start", step=step)
    with open(state + ".tmp", "w") as fh:
        fh.write(str(step))
    os.replace(state + ".tmp", state)
    emit("save_done", step=step)


signal.signal(signal.SIGTERM, lambda *a: noticed.append(1))
if crash:
    sys.exit(crash)
step = 0
if os.path.exists(state):
    with open(state) as fh:
        step = int(fh.read())
emit("ready", step=step, total_steps=total)
while step < total:
    time.sleep(0.01)
    step += 1
    if step % 10 == 0:
        emit("metric", step=step, loss=1.0 / step)
    if noticed:
        save(step)
        emit("exit", step=step, code=INTERRUPTED, saved=True)
        sys.exit(INTERRUPTED)
    if step % 5 == 0:
        save(step)
emit("finish", step=step)
