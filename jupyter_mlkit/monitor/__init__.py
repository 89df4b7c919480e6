"""SageMaker Model Monitor compatible baselines, drift and data-quality violations.

```python
from jupyter_mlkit.monitor import suggest_baseline, analyze, read_capture
base = suggest_baseline("train.csv")
result = analyze("window.parquet", base)
```

Names are imported on first use so that ``import jupyter_mlkit.monitor`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Baseline": "baseline",
    "BaselineError": "baseline",
    "suggest_baseline": "baseline",
    "suggest_constraints": "baseline",
    "MonitoringResult": "analysis",
    "analyze": "analysis",
    "CaptureReadReport": "capture",
    "merge_ground_truth": "capture",
    "read_capture": "capture",
    "ConfigError": "config",
    "CustomMetric": "custom",
    "MonitorInputError": "sources",
}

__all__ = [
    "Baseline",
    "BaselineError",
    "CaptureReadReport",
    "ConfigError",
    "CustomMetric",
    "MonitorInputError",
    "MonitoringResult",
    "analyze",
    "merge_ground_truth",
    "read_capture",
    "suggest_baseline",
    "suggest_constraints",
]

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import MonitoringResult, analyze
    from .baseline import Baseline, BaselineError, suggest_baseline, suggest_constraints
    from .capture import CaptureReadReport, merge_ground_truth, read_capture
    from .config import ConfigError
    from .custom import CustomMetric
    from .sources import MonitorInputError


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'jupyter_mlkit.monitor' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
