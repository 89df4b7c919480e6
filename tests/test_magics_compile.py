"""``%%mlkit_compile`` and ``%mlkit_compile_report`` in a real IPython shell, real torch."""

from __future__ import annotations

import pytest
import torch
from IPython.core.interactiveshell import InteractiveShell
from IPython.testing.globalipapp import start_ipython

from jupyter_mlkit.compiler import CompileReport

TRAIN = """
losses = []
for _ in range(4):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(net(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
print("trained", len(losses))
"""


@pytest.fixture(scope="module")
def ip():
    torch.set_num_threads(1)
    shell = start_ipython() or InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_mlkit")
    return shell


def _net(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))


@pytest.fixture
def ns(ip):
    net = _net()
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(32, 8, generator=gen), torch.randn(32, 1, generator=gen)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    ip.user_ns.update(torch=torch, net=net, x=x, y=y, opt=opt)
    yield ip.user_ns
    for k in ("net", "opt", "x", "y", "losses"):
        ip.user_ns.pop(k, None)


@pytest.fixture
def shown(monkeypatch):
    seen = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: seen.extend(objs))
    return seen


def _reference_losses(ns) -> list[float]:
    """The same 4 SGD steps in plain eager from the same initial weights."""
    net = _net()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    out = []
    for _ in range(4):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(ns["x"]), ns["y"])
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out


def test_magics_are_registered(ip):
    assert "mlkit_compile" in ip.magics_manager.magics["cell"]
    assert "mlkit_compile_report" in ip.magics_manager.magics["line"]


def test_cell_trains_unchanged_and_the_report_is_shown(ip, ns, shown, capsys):
    expected = _reference_losses(ns)
    ip.run_cell_magic("mlkit_compile", "--budget 30 --candidates optimizer:foreach", TRAIN)
    out = capsys.readouterr()
    assert "trained 4" in out.out  # the cell's own output
    # trials ran on copies: the cell's training is exactly eager's (foreach = same math)
    assert ns["losses"] == pytest.approx(expected, rel=1e-5)
    (report,) = shown
    assert isinstance(report, CompileReport)
    assert [c.name for c in report.candidates] == ["eager", "optimizer:foreach"]
    assert f"mlkit_compile: net: {report.strategy}" in out.out
    assert report.strategy in report._repr_html_()
    # no hook left behind: a second forward does not optimize again
    assert not net_hooks(ns["net"])

    shown.clear()
    ip.run_line_magic("mlkit_compile_report", "")
    assert shown == [report]


def net_hooks(net: torch.nn.Module) -> dict:
    return dict(net._forward_pre_hooks)


def test_eval_mode_first_call_is_one_line_and_the_cell_still_runs(ip, ns, shown, capsys):
    ip.run_cell_magic("mlkit_compile", "--budget 5", "net.eval()\nprint(net(x).shape)")
    out = capsys.readouterr()
    assert "torch.Size([32, 1])" in out.out
    assert out.err.strip() == (
        "mlkit_compile: net: first call was not a training step (no_grad or eval mode); "
        "not optimized"
    )
    assert shown == [] and not net_hooks(ns["net"])


def test_model_not_called_is_said_and_the_hook_removed(ip, ns, shown, capsys):
    ip.run_cell_magic("mlkit_compile", "", "print('no training')")
    out = capsys.readouterr()
    assert "no training" in out.out
    assert "net was not called for training in this cell; not optimized" in out.err
    assert not net_hooks(ns["net"])


@pytest.mark.parametrize(
    "line, words",
    [
        ("--objective fast", "argument --objective: invalid choice: 'fast'"),
        ("--budget -3", "'--budget' must be between 0 and 3600"),
        ("--candidates ,", None),  # empty list: means all candidates, so valid -> not an error
        ("--bogus", "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_are_one_line_without_traceback(ip, ns, shown, capsys, line, words):
    if words is None:
        kw = ip.find_cell_magic("mlkit_compile").__self__._options(line)
        assert kw["candidates"] is None
        return
    ip.run_cell_magic("mlkit_compile", line, "print('ran')")
    out = capsys.readouterr()
    assert out.err.startswith(f"mlkit_compile: {words}")
    assert "Traceback" not in out.err and "usage: %%mlkit_compile" in out.err
    assert "ran" not in out.out and not net_hooks(ns["net"])


def test_report_before_any_run_says_so(capsys):
    from jupyter_mlkit.magics.compile import CompileMagics

    CompileMagics(None).mlkit_compile_report("")
    assert "no report yet" in capsys.readouterr().err
