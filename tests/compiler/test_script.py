"""``bench_script``: an unchanged training script, its models armed on their first step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from jupyter_mlkit.compiler import Candidate
from jupyter_mlkit.compiler.script import ScriptError, bench_script
from jupyter_mlkit.errors import NotFound

# A user's script: its own helper module next to it, a main() holding the model in a local,
# an evaluation call under no_grad before training, a loss module, argv for the output file.
# The forward sleeps while `slow_s` is set, so the custom candidate below wins every time.
TRAIN = """
import json, sys
import torch
from torch import nn
from helpers import make_batch


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(8, 16), nn.Linear(16, 3)
        self.slow_s = 0.01

    def forward(self, x):
        if self.slow_s:
            import time
            time.sleep(self.slow_s)
        return self.fc2(torch.relu(self.fc1(x)))


def main(out):
    torch.manual_seed(0)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    x, y = make_batch()
    with torch.no_grad():
        net.eval(); net(x); net.train()
    losses = []
    for _ in range(4):
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with open(out, "w") as f:
        json.dump({"losses": losses, "slow_s": net.slow_s, "name": __name__}, f)


if __name__ == "__main__":
    main(sys.argv[1])
"""

HELPERS = """
import torch

def make_batch():
    g = torch.Generator().manual_seed(1)
    return torch.randn(16, 8, generator=g), torch.randint(0, 3, (16,), generator=g)

def fail():
    raise ValueError("labels out of range")
"""


def _no_sleep(model, optimizer):
    model.slow_s = 0.0


@pytest.fixture
def project(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "helpers.py").write_text(HELPERS)
    yield tmp_path
    sys.modules.pop("helpers", None)


def test_script_runs_unchanged_with_its_model_optimized_on_the_first_step(project):
    plain = project / "plain.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(
        [sys.executable, "train.py", str(plain)], cwd=project, env=env, check=True, timeout=120
    )
    out = project / "armed.json"
    argv, path, call = list(sys.argv), list(sys.path), torch.nn.Module.__call__
    events = []
    reports = bench_script(
        project / "train.py",
        budget_s=300,
        candidates=[Candidate("no-sleep", _no_sleep)],
        argv=[str(out)],
        progress=events.append,
    )
    (r,) = reports
    assert r.model == "net" and r.framework == "torch" and r.strategy == "no-sleep"
    assert [c.name for c in r.candidates] == ["eager", "no-sleep"]
    got, want = json.loads(out.read_text()), json.loads(plain.read_text())
    assert got["name"] == "__main__"
    assert got["slow_s"] == 0.0  # the rest of the script trained the installed winner
    # trials ran on copies: the script's own training matches a plain run step for step
    assert got["losses"] == pytest.approx(want["losses"], rel=1e-5)
    assert {"phase": "model", "name": "net", "framework": "torch"} in events
    assert all(e["model"] == "net" for e in events if e.get("phase") == "trying")
    # everything is undone: argv, sys.path, the patched Module.__call__
    assert sys.argv == argv and sys.path == path and torch.nn.Module.__call__ is call


def test_missing_script_and_syntax_error_name_the_file_and_line(tmp_path):
    with pytest.raises(NotFound, match="does not exist"):
        bench_script(tmp_path / "nope.py")
    (tmp_path / "bad.py").write_text("import torch\n\nfor i in range(3)\n    pass\n")
    with pytest.raises(ScriptError) as exc:
        bench_script(tmp_path / "bad.py")
    assert exc.value.code == "script_syntax_error" and exc.value.details["line"] == 3
    assert "bad.py:3: syntax error" in exc.value.message


def test_a_raising_script_reports_only_its_own_frames(project):
    (project / "boom.py").write_text("import helpers\n\nhelpers.fail()\n")
    with pytest.raises(ScriptError) as exc:
        bench_script(project / "boom.py")
    msg = exc.value.message
    assert msg.startswith("boom.py raised ValueError: labels out of range")
    assert 'boom.py", line 3, in <module>' in msg and 'helpers.py", line 9, in fail' in msg
    assert "jupyter_mlkit" not in msg and "exec(" not in msg


def test_a_script_that_trains_nothing_says_so(tmp_path):
    (tmp_path / "infer.py").write_text(
        "import torch\nm = torch.nn.Linear(2, 2)\nwith torch.no_grad():\n    m(torch.ones(1, 2))\n"
    )
    with pytest.raises(ScriptError) as exc:
        bench_script(tmp_path / "infer.py")
    assert exc.value.code == "no_model_trained"
    assert "no model was optimized" in exc.value.message
    assert "only in eval mode or under no_grad: m" in exc.value.message
    (tmp_path / "quit.py").write_text("import sys\nsys.exit(3)\n")
    with pytest.raises(ScriptError, match="exited with status 3"):
        bench_script(tmp_path / "quit.py")


KERAS_TRAIN = """
import numpy as np
import keras

inp = keras.Input((8,))
model = keras.Model(inp, keras.layers.Dense(3)(keras.layers.Dense(16, activation="relu")(inp)))
model.compile(optimizer=keras.optimizers.Adam(1e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
x = np.random.rand(64, 8).astype("float32")
y = np.random.randint(0, 3, 64)
history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
assert len(history.history["loss"]) == 1
"""


def test_a_keras_script_is_optimized_on_its_first_fit(tmp_path):
    pytest.importorskip("tensorflow")
    (tmp_path / "fit.py").write_text(textwrap.dedent(KERAS_TRAIN))
    (r,) = bench_script(tmp_path / "fit.py", budget_s=300, candidates=["graph"])
    assert r.model == "model" and r.framework == "keras"
    assert [c.name for c in r.candidates] == ["eager", "graph"]
    assert r.candidate("eager").status == "ok" and r.peak_mem_eager_bytes > 0
    import keras

    assert "fit" not in keras.Model.__dict__  # the wrapper is gone
