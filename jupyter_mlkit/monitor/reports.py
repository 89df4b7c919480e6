"""HTML drift report through evidently, for users who want its pages (optional extra)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def evidently_report(
    current: Any, reference: Any, path: str | os.PathLike, *, columns: list[str] | None = None
) -> Path:
    """Write evidently 0.7's DataDriftPreset report as HTML; returns the path.

    Both inputs are DataFrames (or anything the monitor reads). evidently loads everything in
    memory: sample large windows first.
    """
    try:
        from evidently import Report
        from evidently.presets import DataDriftPreset
    except ImportError as exc:
        raise ImportError(
            "the HTML report needs evidently: pip install 'jupyter_mlkit[evidently]'"
        ) from exc
    import pandas as pd

    def frame(data: Any) -> pd.DataFrame:
        if isinstance(data, pd.DataFrame):
            return data
        import pyarrow as pa

        from .sources import iter_batches

        return pa.Table.from_batches(list(iter_batches(data))).to_pandas()

    snapshot = Report([DataDriftPreset(columns=columns)]).run(frame(current), frame(reference))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    snapshot.save_html(str(tmp))
    os.replace(tmp, out)
    return out
