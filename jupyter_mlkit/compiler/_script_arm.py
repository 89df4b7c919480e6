"""Arm the models a running script trains, without changing the script.

PyTorch: ``nn.Module.__call__`` is wrapped while the script runs. The first call of a module with
parameters that is *top-level* (not made from inside another module's forward), in training mode
with gradients on, arms it with :func:`jupyter_mlkit.compiler.auto.arm`, the very hook
``%%mlkit_compile`` installs, and that same call fires it: ``optimize`` runs on the real model
and batch, the winner is installed in place, and the script goes on with it. Optimizers are
recorded as the script creates them (``Optimizer.__init__`` is wrapped) and matched to a model
by shared parameters, as ``auto.find_models`` does.

Keras: ``keras.Model.fit`` and ``train_on_batch`` are wrapped; the first call on a compiled
model takes its first batch (a slice of ``batch_size`` rows, or the first element of a
``tf.data.Dataset``) and optimizes the model with its own loss and optimizer before training.

Everything is undone when the script ends. Calls made while ``optimize`` runs (its trials on
copies) and calls traced by ``torch.compile`` are never armed.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Found:
    """One model the script trained: its name and what optimizing it gave."""

    name: str
    framework: str
    model: Any
    report: Any = None
    error: str | None = None
    armed: Any = None  # the torch hook (auto.Armed); its .error says why nothing was chosen

    def problem(self) -> str | None:
        if self.report is not None:
            return None
        if self.armed is not None and self.armed.error:
            return self.armed.error
        return self.error


@dataclass
class Arming:
    """The state of one script run: installed patches and the models found so far."""

    script: str
    kw: dict[str, Any]
    progress: Callable[[dict], None] | None = None
    found: list[Found] = field(default_factory=list)
    not_training: list[str] = field(default_factory=list)  # called, but never for training
    _undo: list[Callable[[], None]] = field(default_factory=list)
    _seen: set[int] = field(default_factory=set)
    _local: threading.local = field(default_factory=threading.local)

    # -- shared ----------------------------------------------------------------------------
    def busy(self) -> bool:
        return getattr(self._local, "busy", 0) > 0

    def _enter(self) -> None:
        self._local.busy = getattr(self._local, "busy", 0) + 1

    def _leave(self) -> None:
        self._local.busy -= 1

    def _name(self, obj: Any) -> str:
        """The variable the script holds the model in (any frame of the script), else its
        class name; numbered when two models would share a name."""
        name = type(obj).__name__
        f = sys._getframe(1)
        while f is not None:
            if f.f_code.co_filename == self.script:
                hit = next(
                    (k for k, v in f.f_locals.items() if v is obj and not k.startswith("_")), None
                )
                if hit:
                    name = hit
                    break
            f = f.f_back
        taken = {x.name for x in self.found}
        base, n = name, 2
        while name in taken:
            name, n = f"{base}#{n}", n + 1
        return name

    def _emit(self, **event: Any) -> None:
        if self.progress is not None:
            self.progress(event)

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()

    # -- PyTorch ---------------------------------------------------------------------------
    def patch_torch(self) -> None:
        import torch

        from .auto import arm

        optimizers: weakref.WeakSet = weakref.WeakSet()
        opt_init = torch.optim.Optimizer.__init__
        call = torch.nn.Module.__call__
        arming = self

        def init(self_: Any, *args: Any, **kwargs: Any) -> None:
            opt_init(self_, *args, **kwargs)
            optimizers.add(self_)

        def wrapped_call(mod: Any, *args: Any, **kwargs: Any) -> Any:
            if torch.compiler.is_compiling():
                return call(mod, *args, **kwargs)
            local = arming._local
            depth = getattr(local, "depth", 0)
            if depth == 0 and not arming.busy() and id(mod) not in arming._seen:
                arming._consider(mod, optimizers, arm)
            local.depth = depth + 1
            try:
                return call(mod, *args, **kwargs)
            finally:
                local.depth = depth

        torch.optim.Optimizer.__init__ = init  # type: ignore[method-assign]
        torch.nn.Module.__call__ = wrapped_call  # type: ignore[method-assign]

        def undo() -> None:
            torch.optim.Optimizer.__init__ = opt_init  # type: ignore[method-assign]
            torch.nn.Module.__call__ = call  # type: ignore[method-assign]

        self._undo.append(undo)

    def _consider(self, mod: Any, optimizers: Any, arm: Callable) -> None:
        import torch

        if next(mod.parameters(), None) is None:
            self._seen.add(id(mod))  # a loss module or an activation: nothing to train
            return
        if any(f.framework == "torch" and _contains(f.model, mod) for f in self.found):
            self._seen.add(id(mod))  # a part of a model that is already armed
            return
        name = self._name(mod)
        if not (mod.training and torch.is_grad_enabled()):
            if name not in self.not_training:
                self.not_training.append(name)
            return  # maybe trained later: stays unseen
        self._seen.add(id(mod))
        pids = {id(p) for p in mod.parameters()}
        opt = next(
            (
                o
                for o in list(optimizers)
                if any(id(p) in pids for g in o.param_groups for p in g["params"])
            ),
            None,
        )
        found = Found(name, "torch", mod)
        self.found.append(found)
        if name in self.not_training:
            self.not_training.remove(name)
        self._emit(phase="model", name=name, framework="torch")

        def on_report(report: Any) -> None:
            found.report = report

        # The hook fires inside this very call (at depth 1, so the trials on copies are not
        # armed again): optimize() runs on the real batch and installs the winner in place.
        found.armed = arm(mod, opt, on_report=on_report, **self._kw_for(found))

    def _kw_for(self, found: Found) -> dict[str, Any]:
        kw = dict(self.kw)
        user = kw.pop("progress", None) or self.progress
        if user is not None:
            kw["progress"] = lambda ev: user({**ev, "model": found.name})
        return kw

    # -- Keras -----------------------------------------------------------------------------
    def patch_keras(self) -> None:
        import keras

        for meth in ("fit", "train_on_batch"):
            own = meth in keras.Model.__dict__
            orig = getattr(keras.Model, meth)
            setattr(keras.Model, meth, self._keras_wrapper(orig, meth))

            def undo(meth: str = meth, own: bool = own, orig: Any = orig) -> None:
                if own:
                    setattr(keras.Model, meth, orig)
                else:
                    delattr(keras.Model, meth)

            self._undo.append(undo)

    def _keras_wrapper(self, orig: Callable, meth: str) -> Callable:
        def wrapped(model: Any, *args: Any, **kw: Any) -> Any:
            if not self.busy() and id(model) not in self._seen:
                self._seen.add(id(model))
                self._arm_keras(model, meth, args, kw)
            return orig(model, *args, **kw)

        return wrapped

    def _arm_keras(self, model: Any, meth: str, args: tuple, kw: dict) -> None:
        from . import optimize

        found = Found(self._name(model), "keras", model)
        self.found.append(found)
        self._emit(phase="model", name=found.name, framework="keras")
        if getattr(model, "optimizer", None) is None:
            found.error = f"{meth}() was called before compile(); not optimized"
            return
        try:
            x, y = first_batch(meth, args, kw)
        except ValueError as e:
            found.error = str(e)
            return
        self._enter()
        try:
            res = optimize(
                model,
                x,
                loss_fn=getattr(model, "loss", None),
                example_target=y,
                optimizer=model.optimizer,
                **self._kw_for(found),
            )
            found.report = res.report
        except Exception as e:  # noqa: BLE001 - the script must go on regardless
            found.error = f"{type(e).__name__}: {e}"
        finally:
            self._leave()


def _contains(model: Any, mod: Any) -> bool:
    return any(m is mod for m in model.modules())


def first_batch(meth: str, args: tuple, kw: dict) -> tuple[Any, Any]:
    """(inputs, targets) of the first batch a Keras fit/train_on_batch call will train on."""
    x = args[0] if args else kw.get("x")
    y = args[1] if len(args) > 1 else kw.get("y")
    if meth == "train_on_batch":
        return x, y
    if y is None and x is not None and hasattr(x, "take") and hasattr(x, "element_spec"):
        elem = next(iter(x.take(1)))  # a tf.data.Dataset of (x, y[, sample_weight])
        if isinstance(elem, tuple) and len(elem) >= 2:
            return elem[0], elem[1]
        raise ValueError("the dataset yields no (inputs, targets) pairs; not optimized")
    if x is None or y is None:
        raise ValueError("fit() got no arrays x and y (generators are not sampled); not optimized")
    bs = kw.get("batch_size") or (args[2] if len(args) > 2 else None) or 32

    def head(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: head(t) for k, t in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(head(t) for t in v)
        return v[:bs]

    return head(x), head(y)
