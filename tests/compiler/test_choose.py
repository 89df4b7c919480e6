"""The choice rules and break-even arithmetic, on hand-made measurements (no framework)."""

from __future__ import annotations

import pytest

from jupyter_mlkit.compiler._batch_advice import advise
from jupyter_mlkit.compiler._choose import break_even, choose
from jupyter_mlkit.compiler.report import CandidateResult


def res(name, step, mem=1000, status="ok", numerics=True, tol=1e-3):
    return CandidateResult(
        name, status=status, step_s=step, peak_mem_bytes=mem, numerics_ok=numerics, tolerance=tol
    )


def test_speed_picks_fastest_valid_candidate():
    rs = [res("eager", 0.010), res("a", 0.008), res("b", 0.005, numerics=False, status="rejected")]
    name, reason = choose(rs, "speed")
    assert name == "a"  # b is faster but failed the numerical check
    assert "1.25x" in reason


def test_speed_keeps_eager_without_a_clear_margin():
    rs = [res("eager", 0.010), res("a", 0.0097)]  # 1.03x: inside the 5% margin
    name, reason = choose(rs, "speed")
    assert name == "eager"
    assert "a at 1.03x" in reason


def test_eager_failure_and_all_failed():
    rs = [res("eager", None, status="failed"), res("a", 0.001)]
    rs[0].error = "CandidateError: loss must be a scalar tensor"
    name, reason = choose(rs, "speed")
    assert name == "eager" and "fails eagerly" in reason and "scalar" in reason
    name, reason = choose([res("eager", 0.01), res("a", None, status="failed")], "speed")
    assert name == "eager" and "failed" in reason


def test_memory_objective_respects_slowdown_limit():
    rs = [
        res("eager", 0.010, mem=1000),
        res("ckpt", 0.012, mem=600),  # 1.2x slower, 40% less memory: allowed
        res("tiny", 0.020, mem=300),  # 2x slower: beyond the 1.3x limit
    ]
    name, reason = choose(rs, "memory")
    assert name == "ckpt"
    assert "40%" in reason


def test_balanced_uses_time_memory_product():
    rs = [res("eager", 0.010, 1000), res("fast", 0.009, 1000), res("lean", 0.010, 700)]
    # products: fast 0.9, lean 0.7
    assert choose(rs, "balanced")[0] == "lean"


def test_break_even():
    assert break_even(10.0, 0.5, 0.3) == 50  # 10 s / 0.2 s per step
    assert break_even(0.0, 0.5, 0.4) == 0
    assert break_even(5.0, 0.5, 0.6) is None
    assert break_even(5.0, None, 0.6) is None


def test_batch_advice_stops_at_first_batch_over_eager_peak():
    # chosen strategy: 100 bytes per sample; eager peak at batch 8 was 1000 bytes
    tried = []

    def measure(nb):
        tried.append(nb)
        return 100 * nb

    out = advise(measure, 8, 1000, 800, lr=0.1, deadline=lambda: False)
    assert tried == [10, 12]  # 1.25x fits (1000), 1.5x = 12 -> 1200 does not
    assert out["max_batch_size"] == 10
    assert out["factor"] == pytest.approx(1.25)
    assert out["lr_linear"] == pytest.approx(0.125)
    assert out["lr_sqrt"] == pytest.approx(0.1 * 1.25**0.5)
    assert advise(measure, 8, 1000, 1000, lr=None, deadline=lambda: False) is None


def test_importing_the_package_loads_no_framework():
    import subprocess
    import sys

    code = (
        "import sys, jupyter_mlkit.compiler as c, jupyter_mlkit.compiler.zoo;"
        "c.Candidate('x');"
        "print(sorted(m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules))"
    )
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "[]"
