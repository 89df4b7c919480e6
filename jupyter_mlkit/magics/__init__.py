"""IPython magics, one module per capability (thin: parse, call the core, display)."""

from __future__ import annotations


def register_all(ipython) -> None:
    from .lifecycle import LifecycleMagics
    from .platform import MlkitMagics

    ipython.register_magics(MlkitMagics)
    ipython.register_magics(LifecycleMagics)

    from .quality import QualityMagics

    ipython.register_magics(QualityMagics)

    from .monitor import MonitorMagics

    ipython.register_magics(MonitorMagics)

    from .compile import CompileMagics

    ipython.register_magics(CompileMagics)

    from .spot import SpotMagics

    ipython.register_magics(SpotMagics)
