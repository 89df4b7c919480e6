"""IPython magics, one module per capability (thin: parse, call the core, display)."""

from __future__ import annotations


def register_all(ipython) -> None:
    from .platform import MlkitMagics

    ipython.register_magics(MlkitMagics)
