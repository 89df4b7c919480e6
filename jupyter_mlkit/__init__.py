"""jupyter-mlkit: managed-ML-platform capabilities for any Jupyter, on open engines.

Importing this package is cheap: the server extension, magics and heavy engines load only when
used.
"""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    import json
    from pathlib import Path

    _pkg = Path(__file__).resolve().parent.parent / "package.json"
    try:
        __version__ = json.loads(_pkg.read_text())["version"]
    except (OSError, ValueError, KeyError):
        __version__ = "0.0.0+unknown"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-mlkit"}]


def _jupyter_server_extension_points() -> list[dict]:
    from .server.app import MlkitApp

    return [{"module": "jupyter_mlkit", "app": MlkitApp}]


def load_ipython_extension(ipython) -> None:
    """``%load_ext jupyter_mlkit`` registers every magic."""
    from .magics import register_all

    register_all(ipython)


def unload_ipython_extension(ipython) -> None:  # nothing to tear down; magics stay registered
    return None
