"""Result objects of :func:`jupyter_mlkit.compiler.optimize`: plain data, JSON-able, readable."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class GraphBreak:
    """One place where the compiler had to leave the graph and run Python eagerly."""

    reason: str
    user_frames: list[str] = field(default_factory=list)  # "file:line in func" of user code


@dataclass
class CandidateResult:
    """What one candidate strategy measured like on the user's model and batch."""

    name: str
    description: str = ""
    status: str = "pending"  # ok | failed | rejected | skipped
    step_s: float | None = None  # median steady-state training-step time
    peak_mem_bytes: int | None = None
    compile_s: float | None = None  # extra time of the first steps over steady state
    numerics_ok: bool | None = None
    max_rel_loss_diff: float | None = None
    tolerance: float | None = None  # relative loss tolerance the numerical check used
    losses: list[float] = field(default_factory=list)
    error: str | None = None
    recompiles: int = 0


@dataclass
class CompileReport:
    """Everything `optimize` measured and why it chose what it chose."""

    framework: str
    objective: str
    strategy: str
    reason: str
    candidates: list[CandidateResult]
    eager_step_s: float | None
    step_s: float | None
    speedup: float | None
    peak_mem_eager_bytes: int | None
    peak_mem_bytes: int | None
    compile_s: float
    break_even_steps: int | None
    graph_count: int | None = None
    graph_breaks: list[GraphBreak] = field(default_factory=list)
    recompiles: int = 0
    advice: list[str] = field(default_factory=list)
    batch_advice: dict[str, Any] | None = None
    memory_method: str = ""
    device: str = "cpu"
    elapsed_s: float = 0.0  # wall time optimize() took, to compare with budget_s
    budget_s: float = 0.0
    applied: list[str] = field(default_factory=list)  # what was changed on the user's objects
    cache_dir: str | None = None
    model: str | None = None  # what was optimized: the variable name in a script, if known
    # seconds the search spent in trials of compiling candidates (compile_s is the chosen
    # strategy's own compile time; elapsed_s the whole search)
    compile_total_s: float = 0.0

    @property
    def memory_saving(self) -> float | None:
        """Fraction of eager peak memory saved (negative when the choice uses more)."""
        if not self.peak_mem_eager_bytes or self.peak_mem_bytes is None:
            return None
        return 1.0 - self.peak_mem_bytes / self.peak_mem_eager_bytes

    def candidate(self, name: str) -> CandidateResult:
        for c in self.candidates:
            if c.name == name:
                return c
        raise KeyError(f"no candidate named {name!r}; have {[c.name for c in self.candidates]}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["memory_saving"] = self.memory_saving
        return d

    def __repr__(self) -> str:
        lines = [
            f"CompileReport({self.framework}, objective={self.objective}, device={self.device})",
            f"  chosen: {self.strategy} - {self.reason}",
            f"  step: eager {_ms(self.eager_step_s)} -> {_ms(self.step_s)}"
            f"  speedup {_x(self.speedup)}",
            f"  peak memory: eager {_mb(self.peak_mem_eager_bytes)} -> {_mb(self.peak_mem_bytes)}",
            f"  compile {self.compile_s:.1f}s, break-even after {self.break_even_steps} steps;"
            f" choosing took {self.elapsed_s:.1f}s of {self.budget_s:.0f}s budget"
            f" ({self.compile_total_s:.1f}s in compile trials)",
        ]
        if self.graph_count is not None:
            lines.append(
                f"  graphs: {self.graph_count}, graph breaks: {len(self.graph_breaks)},"
                f" recompiles: {self.recompiles}"
            )
        lines.append("  candidates:")
        for c in self.candidates:
            extra = f"  [{c.error}]" if c.error else ""
            lines.append(
                f"    {c.name:<34} {c.status:<8} {_ms(c.step_s):>10} {_mb(c.peak_mem_bytes):>10}"
                f" compile {_s(c.compile_s):>6}{extra}"
            )
        for a in self.advice:
            lines.append(f"  advice: {a}")
        if self.batch_advice:
            lines.append(f"  batch: {self.batch_advice.get('summary', '')}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr{_BOLD if c.name == self.strategy else ''}>"
            f"<td>{e(c.name)}</td><td>{e(c.status)}</td><td>{_ms(c.step_s)}</td>"
            f"<td>{_mb(c.peak_mem_bytes)}</td><td>{_s(c.compile_s)}</td>"
            f"<td>{'' if c.numerics_ok is None else ('ok' if c.numerics_ok else 'FAILED')}</td>"
            f"<td>{e(c.error or '')}</td></tr>"
            for c in self.candidates
        )
        advice = "".join(f"<li>{e(a)}</li>" for a in self.advice)
        batch = e(self.batch_advice.get("summary", "")) if self.batch_advice else ""
        return (
            f"<div class='mlkit-compile-report'><b>{e(self.strategy)}</b>: {e(self.reason)}<br>"
            f"speedup {_x(self.speedup)} (eager {_ms(self.eager_step_s)} &rarr; "
            f"{_ms(self.step_s)}), peak memory {_mb(self.peak_mem_eager_bytes)} &rarr; "
            f"{_mb(self.peak_mem_bytes)}, compile {self.compile_s:.1f}s, break-even "
            f"{self.break_even_steps} steps, chose in {self.elapsed_s:.1f}s<br>"
            "<table><tr><th>candidate</th><th>status</th><th>step</th><th>peak mem</th>"
            f"<th>compile</th><th>numerics</th><th>error</th></tr>{rows}</table>"
            f"{'<ul>' + advice + '</ul>' if advice else ''}{batch}</div>"
        )


_BOLD = ' style="font-weight:bold"'


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v * 1000:.2f}ms"


def _s(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}s"


def _mb(v: int | None) -> str:
    return "-" if v is None else f"{v / 2**20:.1f}MiB"


def _x(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


@dataclass
class Optimized:
    """What `optimize` returns: the drop-in model (the same object, changed in place) + report."""

    model: Any
    report: CompileReport

    def __repr__(self) -> str:
        return f"Optimized(model={type(self.model).__name__}, strategy={self.report.strategy!r})"

    def _repr_html_(self) -> str:
        return self.report._repr_html_()
