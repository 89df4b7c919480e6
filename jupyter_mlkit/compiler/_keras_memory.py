"""Peak memory of a Keras training step (TensorFlow backend).

GPU: ``tf.config.experimental.get_memory_info``. CPU: TensorFlow's allocator statistics where it
keeps them (its oneDNN/BFC allocators do), else the process's resident-memory high-water mark,
which Linux lets a process reset (``/proc/self/clear_refs``). Both count the rise over one step
plus the weights and optimizer variables, like the PyTorch path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MEMORY_METHOD = "GPU: tf.config.experimental.get_memory_info peak over one step"
MEMORY_CPU_ALLOCATOR = (
    "CPU: TensorFlow's BFC allocator peak over one step (TF_CPU_ALLOCATOR_USE_BFC=true) above "
    "the bytes allocated before it, plus the weights and optimizer variables"
)
MEMORY_CPU_RSS = (
    "CPU: the process's peak resident memory over one step (VmHWM, reset through "
    "/proc/self/clear_refs) above the resident memory before it, plus the weights and "
    "optimizer variables; a lower bound when TensorFlow's allocator reuses pooled memory: set "
    "TF_CPU_ALLOCATOR_USE_BFC=true before importing TensorFlow for allocator-exact numbers"
)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def _trim() -> None:
    """Give freed heap pages back to the OS, so a step's allocations show as resident growth
    (glibc keeps freed memory mapped otherwise). No-op where there is no glibc."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def rss_peak_step(step: Callable[[], Any]) -> int | None:
    """Bytes the process's resident memory rose to above its level before `step()`, at peak.
    TensorFlow exposes no CPU allocator peak, but Linux keeps a resettable high-water mark of
    the resident set. None where that is unavailable (not Linux, /proc read-only)."""
    try:
        _trim()
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current resident size
        base = _status_kb("VmRSS")
    except OSError:
        step()
        return None
    step()
    try:
        return max(0, _status_kb("VmHWM") - base) * 1024
    except OSError:
        return None


def cpu_allocator_stats(tf: Any) -> bool:
    """Whether TensorFlow's CPU allocator keeps statistics (TF_CPU_ALLOCATOR_USE_BFC=true)."""
    try:
        return tf.config.experimental.get_memory_info("CPU:0")["peak"] > 0
    except Exception:  # noqa: BLE001 - unsupported: fall back to resident memory
        return False


def allocator_peak_step(tf: Any, step: Callable[[], Any]) -> int:
    before = tf.config.experimental.get_memory_info("CPU:0")["current"]
    tf.config.experimental.reset_memory_stats("CPU:0")
    step()
    return max(0, tf.config.experimental.get_memory_info("CPU:0")["peak"] - before)


def memory_method(tf: Any) -> str:
    if tf.config.list_physical_devices("GPU"):
        return MEMORY_METHOD
    return MEMORY_CPU_ALLOCATOR if cpu_allocator_stats(tf) else MEMORY_CPU_RSS


def resident_bytes(m: Any) -> int:
    import numpy as np

    vs = list(m.weights) + list(getattr(m.optimizer, "variables", []) or [])
    seen, total = set(), 0
    for v in vs:
        if id(v) in seen:
            continue
        seen.add(id(v))
        total += int(np.prod(v.shape)) * np.dtype(str(v.dtype)).itemsize
    return total
