"""``%monitor_baseline DATA --out DIR`` and ``%drift CURRENT BASELINE_OR_DATA``."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class

from ..errors import MlkitError
from ._common import Parser as _Parser
from ._common import UsageError as _UsageError
from ._common import resolve
from ._common import say as _say

BASELINE_USAGE = "usage: %monitor_baseline DATAFRAME_OR_PATH --out DIR [--format csv|json|parquet]"
DRIFT_USAGE = (
    "usage: %drift CURRENT BASELINE_OR_DATA [--name NAME] [--out DIR] [--config JSON]\n"
    "              [--plots N]   (CURRENT and BASELINE_OR_DATA: a DataFrame variable or a path;\n"
    "              a baseline folder or Baseline is used as is, data gets a baseline in memory)"
)


def _baseline_parser() -> _Parser:
    p = _Parser(prog="%monitor_baseline", add_help=False)
    p.add_argument("data")
    p.add_argument("--out", required=True)
    p.add_argument("--format", default=None)
    return p


def _drift_parser() -> _Parser:
    p = _Parser(prog="%drift", add_help=False)
    p.add_argument("current")
    p.add_argument("baseline")
    p.add_argument("--name", default=None)
    p.add_argument("--out", default=None)
    p.add_argument("--config", default=None)
    p.add_argument("--plots", type=int, default=12, help="per-feature plots shown, drifted first")
    return p


def _is_baseline_dir(value: Any) -> bool:
    if not isinstance(value, (str, os.PathLike)):
        return False
    d = Path(value)
    return d.is_dir() and ((d / "statistics.json").is_file() or (d / "constraints.json").is_file())


@magics_class
class MonitorMagics(Magics):
    def _resolve(self, name: str) -> Any:
        return resolve(self.shell, name)

    def _run(self, what: str, usage: str, fn) -> Any:
        from ..jobs.monitor_kind import monitor_errors

        try:
            with monitor_errors():
                return fn()
        except _UsageError as exc:
            _say(f"{what}: {exc}\n{usage}")
        except MlkitError as exc:
            _say(f"{what}: {exc.message}")
        except OSError as exc:  # e.g. --out names a file
            _say(f"{what}: {exc}")
        return None

    @line_magic
    def monitor_baseline(self, line: str):
        """Profile a DataFrame or a path and save a SageMaker baseline to --out; returns it."""
        return self._run("monitor_baseline", BASELINE_USAGE, lambda: self._baseline(line))

    def _baseline(self, line: str):
        from ..monitor import suggest_baseline

        args = _baseline_parser().parse_args(shlex.split(line))
        base = suggest_baseline(self._resolve(args.data), dataset_format=args.format)
        base.save(args.out)
        feats = base.constraints.get("features", [])
        rows = base.statistics.get("dataset", {}).get("item_count", 0)
        print(f"baseline of {rows} rows, {len(feats)} features saved to {args.out}")
        return base

    @line_magic
    def drift(self, line: str):
        """Drift and violations of CURRENT against a baseline (or against other data)."""
        return self._run("drift", DRIFT_USAGE, lambda: self._drift(line))

    def _drift(self, line: str):
        from IPython.display import display

        from ..jobs.monitor_kind import clean_json
        from ..monitor import Baseline, analyze, suggest_baseline
        from ..monitor.plots import drift_spec, feature_specs
        from ..widgets.drift_view import DriftView, vegalite_bundle

        args = _drift_parser().parse_args(shlex.split(line))
        current = self._resolve(args.current)
        ref = self._resolve(args.baseline)
        if isinstance(ref, Baseline):
            base = ref
        elif _is_baseline_dir(ref):
            base = Baseline.load(ref)
        else:  # data: its baseline is computed here and kept in memory only
            base = suggest_baseline(ref)
        config = None
        if args.config:
            try:
                config = json.loads(args.config)
            except ValueError as exc:
                raise _UsageError(f"--config is not JSON: {exc}") from None
        result = analyze(current, base, config=config)
        if args.out:
            result.save(args.out)
        if args.name:
            from ..monitor.history import record_run

            record_run(args.name, result, output_dir=args.out)
        view = DriftView(result)
        display(view)
        if args.plots > 0 and result.drift:
            display(vegalite_bundle(clean_json(drift_spec(result))), raw=True)
            specs = feature_specs(base, result)
            order = [f for f in view.summary["drifted"] if f in specs]
            order += [r["feature"] for r in view.summary["drift"] if r["feature"] not in order]
            for name in [f for f in order if f in specs][: args.plots]:
                display(vegalite_bundle(clean_json(specs[name]), name), raw=True)
        return result
