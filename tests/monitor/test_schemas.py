"""Our files, and AWS's, fit the documented schemas (the `sagemaker` SDK is not installable
beside the rest here, so the schema written from the AWS docs stands in for its classes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from jupyter_mlkit.monitor import analyze, suggest_baseline
from jupyter_mlkit.monitor.schemas import validate


def test_aws_files_fit_the_schemas(mm):
    for path in sorted(mm.glob("*.json")):
        doc = json.loads(path.read_text())
        if "features" in doc and "dataset" in doc:
            validate(doc, "statistics")
        elif "features" in doc:
            validate(doc, "constraints")
        elif "violations" in doc:
            validate(doc, "violations")


def test_our_files_fit_the_schemas(tmp_path):
    df = pd.DataFrame({"n": [1, 2, 3, None], "s": ["a", "b", "a", "a"], "x": [0.5, 1.5, 2.5, 3.5]})
    base = suggest_baseline(df)
    base.save(tmp_path / "b")
    validate(json.loads((tmp_path / "b" / "statistics.json").read_text()), "statistics")
    validate(json.loads((tmp_path / "b" / "constraints.json").read_text()), "constraints")
    analyze(pd.DataFrame({"n": ["x"], "s": ["z"], "x": [1.0]}), base).save(tmp_path / "r")
    doc = json.loads((tmp_path / "r" / "constraint_violations.json").read_text())
    assert doc["violations"]
    validate(doc, "violations")
    with pytest.raises(jsonschema.ValidationError):
        validate(
            {"version": 0, "features": [{"name": "a", "inferred_type": "Bool"}]}, "constraints"
        )


def test_import_is_cheap():
    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, jupyter_mlkit.monitor; "
        "print(sorted(m for m in ('pyarrow', 'pandas', 'scipy', 'duckdb', 'boto3', 'shap') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
