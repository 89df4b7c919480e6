"""``mlkit spot``: real subprocesses (the CLI, the supervisor, the example training script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "spot_train.py"


def mlkit(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "jupyter_mlkit.cli", "spot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_run_survives_two_simulated_interruptions(tmp_path):
    res = mlkit(
        "run",
        "--simulate-interruptions", "2",
        "--seed", "1",
        "--wait-scale", "0.001",
        "--",
        sys.executable, str(EXAMPLE), "--steps", "300",
        cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = res.stdout
    # seed 1, mode mixed: one kill and one notice (the plan's exact mode counts)
    assert out.count("!! interruption") == 2
    assert out.count("[Interrupted]") == 2
    assert "(notice)" in out and "(kill)" in out
    assert "resumed from step" in out
    assert "[Completed] Training job completed" in out
    summary = [line for line in out.splitlines() if line.startswith("Completed (Completed)")]
    assert len(summary) == 1
    assert "after 3 attempt(s), 2 interruption(s)" in summary[0]
    # all on spot: savings = 1 - spot/on-demand of ml.g5.xlarge = 1 - 0.4224/1.408 = 70.0 %
    assert "managed spot training savings 70.0%" in summary[0]
    assert (tmp_path / "final_weights.pt").is_file()
    # the default checkpoint folder is a fresh one under ./checkpoints
    folders = list((tmp_path / "checkpoints").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("spot-")
    assert any(p.name.startswith("step-") for p in folders[0].iterdir())


def test_run_json_and_failed_command_exit_1(tmp_path):
    res = mlkit(
        "run", "--json", "--checkpoint-uri", str(tmp_path / "ck"),
        "--", sys.executable, "-c", "import sys; sys.exit(3)",
        cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 1
    doc = json.loads(res.stdout)
    assert doc["status"] == "Failed"
    assert doc["exit_code"] == 3
    assert doc["interruptions"] == []
    assert "no resume possible" in res.stderr  # the warning, printed once, live
    assert res.stderr.count("no resume possible") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-run", "100", "--max-wait", "50", "--", "python", "x.py"], "must be >= max_run_s"),
        (["--simulate-interruptions", "1"], "no training command"),
        (["--mode", "sometimes", "--", "python", "x.py"], "Invalid value for '--mode'"),
    ],
)
def test_run_user_errors_exit_2(tmp_path, args, message):
    res = mlkit("run", *args, cwd=tmp_path)
    assert res.returncode == 2
    assert message in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "checkpoints").exists()  # nothing started


def test_prices(tmp_path):
    res = mlkit("prices", "--instance-type", "ml.m5.large", cwd=tmp_path)
    assert res.returncode == 0
    row = [line.split() for line in res.stdout.splitlines() if line.startswith("ml.m5.large")]
    assert row == [["ml.m5.large", "0.1150", "0.0345", "70%"]]
    res = mlkit("prices", "--json", cwd=tmp_path)
    doc = json.loads(res.stdout)
    assert doc["instances"]["ml.g5.xlarge"] == {"on_demand": 1.408, "spot": 0.4224, "gpus": 1}
    res = mlkit("prices", "--instance-type", "ml.nope.large", cwd=tmp_path)
    assert res.returncode == 2
    assert "no price for 'ml.nope.large'" in res.stderr


@pytest.mark.aws
def test_placement_on_moto(tmp_path, aws):
    # moto: one record per offered (type, zone), all $0.00001 at 15:04 UTC; no p3.2xlarge
    res = mlkit(
        "placement", "--instance-type", "ml.g5.xlarge", "--instance-type", "ml.p3.2xlarge",
        "--region", "us-east-1",
        cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("cheapest: ml.g5.xlarge in us-east-1a at $0.0000/h")
    assert lines[1] == "cheapest hours (UTC): 15:00"
    assert "no price history for: ml.p3.2xlarge" in res.stdout
    res = mlkit("placement", "--instance-type", "g5.xlarge", "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    advice = json.loads(res.stdout)
    assert advice["cheapest"]["instance_type"] == "g5.xlarge" and advice["region"] == "us-east-1"
    res = mlkit("placement", "--instance-type", "ml.nope.xlarge", cwd=tmp_path)
    assert res.returncode == 2 and "no spot price history for ml.nope.xlarge" in res.stderr
    res = mlkit("placement", "--instance-type", "g5 xlarge", cwd=tmp_path)
    assert res.returncode == 2 and "not an instance type name: 'g5 xlarge'" in res.stderr


def test_placement_without_credentials_says_so(tmp_path, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-role lookup
    monkeypatch.setenv("MLKIT_AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never reached
    res = mlkit("placement", "--instance-type", "ml.g5.xlarge", cwd=tmp_path)
    assert res.returncode == 1
    assert "no AWS credentials found" in res.stderr and "Traceback" not in res.stderr
