"""``%monitor_baseline`` and ``%drift`` in a real IPython shell; the drift widget."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.testing.globalipapp import start_ipython

from jupyter_mlkit.monitor import Baseline, MonitoringResult
from jupyter_mlkit.monitor.history import runs
from jupyter_mlkit.widgets.drift_view import VEGALITE_MIME, DriftView

VL = VEGALITE_MIME


@pytest.fixture(scope="module")
def ip():
    shell = start_ipython() or InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_mlkit")
    return shell


@pytest.fixture
def frames(ip):
    i = np.arange(200)
    train = pd.DataFrame({"x": i, "y": i % 10, "c": np.where(i % 2, "b", "a")})
    shifted = train.assign(x=i + 100)
    ip.user_ns.update(train=train, shifted=shifted)
    return train, shifted


@pytest.fixture
def shown(monkeypatch):
    """What the magic displays (IPython.display.display, as a kernel would receive it)."""
    seen = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: seen.extend(objs))
    return seen


def test_magics_are_registered(ip):
    assert {"drift", "monitor_baseline"} <= set(ip.magics_manager.magics["line"])


def test_drift_against_data_computes_the_baseline_in_memory(ip, frames, shown, tmp_path):
    result = ip.run_line_magic("drift", "shifted train --plots 2")
    assert isinstance(result, MonitoringResult)
    view, drift_chart, first, second = shown
    assert isinstance(view, DriftView)
    assert view.summary["drifted"] == ["x"]
    # x: CDF distance 0.5 minus the KS critical value 1.8*sqrt(400/40000) = 0.18
    assert view.summary["drift"][0]["distance"] == pytest.approx(0.32)
    html = view.table.value
    assert "1 of 3 features drifted" in html and html.count("DRIFTED") == 1
    assert "baseline_drift_check" in html and "1 violations" in html
    assert drift_chart[VL]["title"] == "Baseline drift per feature"
    # per-feature plots, drifted first, capped by --plots
    assert first[VL]["title"] == "x: baseline vs current"
    assert second[VL]["title"].endswith(": baseline vs current")
    json.dumps(drift_chart, allow_nan=False)  # what JupyterLab gets must be strict JSON


def test_monitor_baseline_then_drift_on_a_folder_and_a_path(ip, frames, shown, tmp_path):
    monkey_cwd = tmp_path
    frames[1].to_csv(monkey_cwd / "shifted.csv", index=False)
    base = ip.run_line_magic("monitor_baseline", f"train --out {tmp_path / 'base'}")
    assert isinstance(base, Baseline)
    assert (tmp_path / "base" / "constraints.json").is_file()
    line = f"{tmp_path / 'shifted.csv'} {tmp_path / 'base'} --name nb-drift --plots 0"
    result = ip.run_line_magic("drift", line)
    assert [v["feature_name"] for v in result.violations] == ["x"]
    assert len(shown) == 1  # the widget only
    (hist,) = runs("nb-drift")
    assert hist["drifted"] == 1


@pytest.mark.parametrize(
    "magic, line, message",
    [
        ("drift", "shifted", "the following arguments are required"),
        ("drift", "shifted nothing_here", "no variable or file named 'nothing_here'"),
        ("drift", "shifted train --config {", "--config is not JSON"),
        ("monitor_baseline", "train", "--out"),
        ("drift", "shifted /no/such/dir/data.csv", "does not exist"),
        ("monitor_baseline", "train --out /proc/version", "/proc/version"),
    ],
)
def test_bad_lines_print_one_message(ip, frames, shown, capsys, magic, line, message):
    assert ip.run_line_magic(magic, line) is None
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert shown == []
