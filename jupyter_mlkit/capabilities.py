"""Which capabilities are usable here, and why not when one is not.

Checks are cheap (``importlib.util.find_spec``, a PATH lookup): nothing heavy is imported.
"""

from __future__ import annotations

import importlib.util
import shutil
from typing import Any

# name -> (title, core module, engine modules with the extra that installs them)
CAPABILITIES: dict[str, dict[str, Any]] = {
    "compiler": {
        "title": "Training compiler",
        "module": "jupyter_mlkit.compiler",
        "any_of": [("torch", "torch"), ("tensorflow", "tensorflow")],
    },
    "spot": {
        "title": "Managed spot training",
        "module": "jupyter_mlkit.spot",
        "any_of": [("torch", "torch")],
    },
    "lifecycle": {
        "title": "Lifecycle configurations",
        "module": "jupyter_mlkit.lifecycle",
        "any_of": [],
    },
    "quality": {
        "title": "Data quality",
        "module": "jupyter_mlkit.quality",
        "any_of": [("duckdb", None)],
    },
    "monitor": {
        "title": "Model monitor",
        "module": "jupyter_mlkit.monitor",
        "any_of": [("datasketches", None)],
    },
}

# Capabilities whose front doors (REST, panel section) are wired in this version.
WIRED: set[str] = {"lifecycle", "quality", "monitor", "compiler", "spot"}


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def capability_status() -> dict[str, dict[str, Any]]:
    out = {}
    for name, spec in CAPABILITIES.items():
        entry: dict[str, Any] = {
            "title": spec["title"],
            "built": _has(spec["module"]),
            "wired": name in WIRED,
        }
        if not entry["built"]:
            entry.update(usable=False, reason="not built yet in this version")
        else:
            engines = spec["any_of"]
            found = [m for m, _ in engines if _has(m)]
            if engines and not found:
                extras = ", ".join(sorted({e for _, e in engines if e}))
                entry.update(
                    usable=False,
                    reason=f"no engine installed: pip install 'jupyter_mlkit[{extras}]'",
                )
            else:
                entry.update(usable=True, reason="ready", engines=found)
        if name == "lifecycle" and entry.get("usable") and shutil.which("bash") is None:
            entry.update(usable=False, reason="bash not found on PATH")
        out[name] = entry
    from .aws import credentials_available

    ok, why = credentials_available()
    out["aws"] = {"title": "AWS", "built": True, "wired": True, "usable": ok, "reason": why}
    return out
