"""What goes into a checkpoint: tracked objects' state, every RNG, and the checks on restore."""

from __future__ import annotations

import copy
import io
import json
import random
import warnings
from typing import Any

from .storage import CheckpointError

STATE_FILE = "state.pt"
RNG_FILE = "rng.json"


class CheckpointMismatchError(CheckpointError):
    """The checkpoint was written for other objects (another model, other tracked names)."""


def torch_module():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "jupyter_mlkit.spot checkpoints need PyTorch: pip install 'jupyter_mlkit[torch]'"
        ) from exc
    return torch


def kind_of(obj: Any) -> str:
    """How an object's state is read and written; TypeError for objects we cannot checkpoint."""
    if hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict"):
        return "state_dict"
    torch = torch_module()
    if isinstance(obj, torch.Generator):
        return "torch_generator"
    try:
        import numpy as np

        if isinstance(obj, np.random.Generator):
            return "numpy_generator"
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(
        f"cannot checkpoint {type(obj).__name__}: it needs state_dict() and load_state_dict() "
        "(or be a torch.Generator / numpy Generator)"
    )


def _json_state(kind: str, obj: Any) -> Any:
    if kind == "numpy_generator":
        return obj.bit_generator.state
    raise AssertionError(kind)


def capture(objects: dict[str, Any], *, copy_to_cpu: bool) -> tuple[dict, dict]:
    """(tensor state for state.pt, JSON state for rng.json) of the tracked objects and RNGs.

    ``copy_to_cpu`` makes an independent CPU copy so a background thread can serialise it while
    training goes on changing the live tensors.
    """
    torch = torch_module()
    import numpy as np

    tensors: dict[str, Any] = {"objects": {}, "kinds": {}}
    plain: dict[str, Any] = {"objects": {}}
    for name, obj in objects.items():
        kind = kind_of(obj)
        tensors["kinds"][name] = kind
        if kind == "state_dict":
            state = obj.state_dict()
            tensors["objects"][name] = cpu_copy(state) if copy_to_cpu else state
        elif kind == "torch_generator":
            tensors["objects"][name] = obj.get_state().clone()
        else:
            plain["objects"][name] = _json_state(kind, obj)
    tensors["rng_torch"] = torch.get_rng_state()
    if torch.cuda.is_available():
        tensors["rng_cuda"] = torch.cuda.get_rng_state_all()
    version, internal, gauss = random.getstate()
    plain["python"] = [version, list(internal), gauss]
    name, keys, pos, has_gauss, cached = np.random.get_state()
    plain["numpy"] = [name, keys.tolist(), int(pos), int(has_gauss), float(cached)]
    return tensors, plain


def rng_state() -> dict[str, Any]:
    """This process's global RNG states (torch CPU and CUDA, python, numpy), torch.load-safe.

    Used for the per-rank copies of a distributed run: each rank draws its own random numbers.
    """
    torch = torch_module()
    import numpy as np

    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    out: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "python": [version, list(internal), gauss],
        "numpy": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)],
    }
    if torch.cuda.is_available():
        out["cuda"] = torch.cuda.get_rng_state_all()
    return out


def set_rng_state(state: dict[str, Any]) -> None:
    """Inverse of :func:`rng_state`."""
    torch = torch_module()
    import numpy as np

    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))


def cpu_copy(value: Any) -> Any:
    torch = torch_module()
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return type(value)((k, cpu_copy(v)) for k, v in value.items())
    if isinstance(value, list):
        return [cpu_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(cpu_copy(v) for v in value)
    return copy.deepcopy(value)


def serialise(tensors: dict, plain: dict) -> dict[str, bytes]:
    torch = torch_module()
    buf = io.BytesIO()
    torch.save(tensors, buf)
    # a view, not getvalue(): saves one full copy of a checkpoint that can be gigabytes
    return {STATE_FILE: buf.getbuffer(), RNG_FILE: json.dumps(plain).encode()}


def fingerprint(objects: dict[str, Any]) -> dict[str, Any]:
    """Names and shapes of module parameters, recorded in the manifest for mismatch messages."""
    torch = torch_module()
    out: dict[str, Any] = {}
    for name, obj in objects.items():
        if isinstance(obj, torch.nn.Module):
            out[name] = {k: list(v.shape) for k, v in obj.state_dict().items()}
    return out


def _module_mismatch(name: str, module: Any, saved: dict) -> str | None:
    current = module.state_dict()
    missing = sorted(set(current) - set(saved))
    unexpected = sorted(set(saved) - set(current))
    shapes = [
        f"{k}: checkpoint {tuple(saved[k].shape)} vs model {tuple(current[k].shape)}"
        for k in sorted(set(saved) & set(current))
        if hasattr(saved[k], "shape") and tuple(saved[k].shape) != tuple(current[k].shape)
    ]
    if not (missing or unexpected or shapes):
        return None
    parts = []
    if missing:
        parts.append(f"keys missing from the checkpoint: {_short(missing)}")
    if unexpected:
        parts.append(f"unexpected keys in the checkpoint: {_short(unexpected)}")
    if shapes:
        parts.append(f"shape mismatch: {_short(shapes)}")
    return f"'{name}' is not the model this checkpoint was written for; " + "; ".join(parts)


def _short(items: list[str], n: int = 8) -> str:
    more = f" (+{len(items) - n} more)" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def apply(
    objects: dict[str, Any],
    files: dict[str, bytes],
    where: str,
    *,
    rank: int = 0,
    world_size: int = 1,
) -> None:
    """Load a verified checkpoint into the tracked objects and every RNG.

    Tracked names and module keys/shapes are checked before anything is changed, so the usual
    mismatch (another model) leaves the objects as they were. A checkpoint of a distributed run
    holds every rank's RNG states; ``rank`` gets its own back when the world size is the same.
    """
    torch = torch_module()
    import numpy as np

    try:
        tensors = torch.load(io.BytesIO(files[STATE_FILE]), weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"checkpoint {where}: {STATE_FILE} could not be loaded safely ({exc}); tracked objects "
            "must hold tensors, numbers, strings and containers of them"
        ) from exc
    plain = json.loads(files[RNG_FILE])
    saved_names = set(tensors["kinds"])
    missing = sorted(set(objects) - saved_names)
    if missing:
        raise CheckpointMismatchError(
            f"checkpoint {where} has no state for tracked object(s) {missing}; it holds "
            f"{sorted(saved_names)}"
        )
    problems = []
    for name, obj in objects.items():
        if isinstance(obj, torch.nn.Module):
            msg = _module_mismatch(name, obj, tensors["objects"][name])
            if msg:
                problems.append(msg)
    if problems:
        raise CheckpointMismatchError(f"checkpoint {where}: " + " | ".join(problems))
    for name, obj in objects.items():
        kind = tensors["kinds"][name]
        try:
            if kind == "state_dict":
                obj.load_state_dict(tensors["objects"][name])
            elif kind == "torch_generator":
                obj.set_state(tensors["objects"][name])
            else:
                obj.bit_generator.state = plain["objects"][name]
        except (RuntimeError, ValueError, KeyError, TypeError, AssertionError) as exc:
            raise CheckpointMismatchError(
                f"checkpoint {where}: state of '{name}' does not fit it: {exc}"
            ) from exc
    torch.set_rng_state(tensors["rng_torch"])
    if "rng_cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(tensors["rng_cuda"])
    version, internal, gauss = plain["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = plain["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    ranks = tensors.get("rng_ranks")
    if ranks and world_size > 1:
        if len(ranks) == world_size:
            set_rng_state(ranks[rank])
        else:
            warnings.warn(
                f"checkpoint {where} was written by {len(ranks)} ranks, this run has "
                f"{world_size}: every rank resumes with rank 0's random number generators",
                stacklevel=3,
            )
