"""Benchmark the compiler on a user's unchanged training script.

``bench_script(path)`` runs the script as ``python path`` would (``__name__ == "__main__"``, its
folder first on ``sys.path``, ``sys.argv = [path, *argv]``) with its models armed the way
``%%mlkit_compile`` arms a cell's (see ``_script_arm``): each model's first training step hands
its real batch to ``optimize``, the winner is installed, and the script continues with it.
"""

from __future__ import annotations

import builtins
import sys
import traceback
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import MlkitError, NotFound
from ._script_arm import Arming, Found
from .report import CompileReport


class ScriptError(MlkitError):
    """The script could not be benchmarked: it does not parse, raised, or trained no model.
    ``reports`` holds the reports of models optimized before it failed."""

    status = 400
    code = "script_failed"

    def __init__(self, message: str, *, reports: list[CompileReport] | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.reports = reports or []


def load_script(path: str | Path) -> tuple[Path, Any]:
    """(resolved path, code object); NotFound / ScriptError (with the line) on bad input.
    Imports no framework, so front doors can check a script cheaply before running it."""
    p = Path(path).expanduser()
    if not p.is_file():
        what = "is a folder, not a script" if p.is_dir() else "does not exist"
        raise NotFound(f"script {path} {what}", code="file_not_found", details={"path": str(path)})
    p = p.resolve()
    try:
        source = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ScriptError(f"cannot read script {path}: {e}", details={"path": str(path)}) from e
    try:
        return p, compile(source, str(p), "exec", dont_inherit=True)
    except SyntaxError as e:
        line = e.lineno or 0
        raise ScriptError(
            f"{path}:{line}: syntax error: {e.msg}" + (f"\n    {e.text.strip()}" if e.text else ""),
            code="script_syntax_error",
            details={"path": str(path), "line": line, "column": e.offset},
        ) from e


def bench_script(
    path: str | Path,
    *,
    objective: str = "speed",
    budget_s: float = 120.0,
    candidates: list[Any] | None = None,
    argv: Sequence[str] = (),
    progress: Callable[[dict], None] | None = None,
) -> list[CompileReport]:
    """Run the training script at `path` with its models armed; return one CompileReport per
    model it trained (``report.model`` is the model's variable name). `budget_s` is per model.

    Raises NotFound (no such file), ScriptError (syntax error with its line; the script raised,
    with its traceback trimmed to the script's own frames; it trained no model)."""
    p, code = load_script(path)
    arming = Arming(
        str(p),
        {"objective": objective, "budget_s": budget_s, "candidates": candidates},
        progress,
    )
    _run(p, code, list(argv), arming)
    reports = _reports(arming.found)
    for f in arming.found:
        if f.problem() and progress is not None:
            progress({"phase": "not-optimized", "model": f.name, "error": f.problem()})
    if not reports:
        raise ScriptError(_nothing_trained(path, arming), code="no_model_trained")
    return reports


def _run(p: Path, code: Any, argv: list[str], arming: Arming) -> None:
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=str(p), __builtins__=builtins, __spec__=None, __cached__=None)
    saved = sys.argv, list(sys.path), sys.modules.get("__main__")
    sys.argv = [str(p), *argv]
    sys.path.insert(0, str(p.parent))
    sys.modules["__main__"] = main  # pickling classes the script defines works, as in runpy
    try:
        _patch(arming, code)
        exec(code, main.__dict__)
    except SystemExit as e:
        if e.code not in (0, None):
            raise ScriptError(
                f"{p.name} exited with status {e.code}",
                reports=_reports(arming.found),
                details={"exit_status": e.code},
            ) from None
    except Exception as e:  # noqa: BLE001 - the user's error, reported without our frames
        raise ScriptError(
            f"{p.name} raised {type(e).__name__}: {e}\n{user_traceback(e, p)}",
            reports=_reports(arming.found),
            details={"exception": type(e).__name__, "traceback": user_traceback(e, p)},
        ) from None
    finally:
        arming.undo()
        sys.argv, sys.path[:] = saved[0], saved[1]
        if saved[2] is not None:
            sys.modules["__main__"] = saved[2]


def _patch(arming: Arming, code: Any) -> None:
    """Torch is armed when it is installed; Keras when the script names keras or tensorflow
    (or they are already imported), since importing TensorFlow costs seconds."""
    import importlib.util

    if "torch" in sys.modules or importlib.util.find_spec("torch") is not None:
        arming.patch_torch()
    wants_keras = {"keras", "tensorflow", "tf_keras"} & _all_names(code)
    if ("keras" in sys.modules or wants_keras) and importlib.util.find_spec("keras") is not None:
        arming.patch_keras()


def _all_names(code: Any) -> set[str]:
    out = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out |= _all_names(c)
    return out


def user_traceback(e: BaseException, script: Path) -> str:
    """The traceback of `e` with only the frames of the script's own folder (not installed
    packages, not jupyter_mlkit)."""
    folder = str(script.parent)
    pkg = str(Path(__file__).resolve().parents[1])
    frames = [
        f
        for f in traceback.extract_tb(e.__traceback__)
        if f.filename.startswith(folder)
        and not f.filename.startswith(pkg)
        and "site-packages" not in f.filename
    ]
    head = "Traceback (most recent call last, the script's frames only):\n"
    return (
        (head + "".join(traceback.format_list(frames))).rstrip()
        + "\n"
        + "".join(traceback.format_exception_only(type(e), e)).rstrip()
    )


def _reports(found: list[Found]) -> list[CompileReport]:
    out = []
    for f in found:
        if f.report is not None:
            f.report.model = f.name
            out.append(f.report)
    return out


def _nothing_trained(path: str | Path, arming: Arming) -> str:
    why = [f"{f.name}: {f.problem()}" for f in arming.found if f.problem()]
    if arming.not_training:
        why.append("called only in eval mode or under no_grad: " + ", ".join(arming.not_training))
    msg = (
        f"{path} ran to the end but no model was optimized: the compiler arms a torch.nn.Module "
        "(with parameters) on its first training forward, and a keras.Model on its first fit() "
        "or train_on_batch()"
    )
    return msg + ("; " + "; ".join(why) if why else "; the script trained no model")
