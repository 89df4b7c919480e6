"""The built wheel, installed into a fresh venv on a PATH without Node, enables both halves.

Slow (creates a venv and installs the dependencies from the local pip cache); it is the check
that users who ``pip install jupyter_mlkit`` get a working server extension and labextension.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_both_extensions_report_ok(tmp_path):
    if not (ROOT / "jupyter_mlkit" / "labextension" / "static" / "style.js").exists():
        pytest.fail("build the frontend first (make install)")
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        timeout=600,
        env={**os.environ, "HATCH_JUPYTER_BUILDER_SKIP_NPM": "1"},
    )
    wheel = next(dist.glob("jupyter_mlkit-*.whl"))
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / "bin"
    subprocess.run(
        [str(bin_dir / "pip"), "install", "-q", str(wheel), "jupyterlab"], check=True, timeout=900
    )
    home = tmp_path / "home"
    home.mkdir()
    # Only the fresh venv on PATH: no node, no jlpm, nothing from the developer's machine.
    env = {"PATH": str(bin_dir), "HOME": str(home), "LANG": "C.UTF-8"}
    assert shutil.which("node", path=env["PATH"]) is None
    server = subprocess.run(
        [str(bin_dir / "jupyter"), "server", "extension", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    lab = subprocess.run(
        [str(bin_dir / "jupyter"), "labextension", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    strip = re.compile(r"\x1b\[[0-9;]*m")
    server_out = strip.sub("", server.stdout + server.stderr)
    lab_out = strip.sub("", lab.stdout + lab.stderr)
    assert re.search(r"jupyter_mlkit\s+enabled", server_out), server_out
    assert re.search(r"jupyter_mlkit \S+ OK", server_out), server_out
    assert re.search(r"jupyter-mlkit v\S+ enabled OK \(python, jupyter_mlkit\)", lab_out), lab_out
    mlkit = subprocess.run(
        [str(bin_dir / "mlkit"), "--version"], capture_output=True, text=True, env=env, timeout=60
    )
    assert mlkit.returncode == 0 and "mlkit" in mlkit.stdout
