"""``mlkit dq``: exit codes, the per-rule table, output files, file:line:col syntax errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from jupyter_mlkit.cli import main
from jupyter_mlkit.quality import MetricHistory, parse

CSV = "id,status,qty\n1,NEW,3\n2,SHIPPED,\n3,LOST,7\n3,NEW,1\n"


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.csv").write_text(CSV)
    (tmp_path / "pass.dqdl").write_text('Rules = [ RowCount = 4, IsComplete "id" ]\n')
    (tmp_path / "mixed.dqdl").write_text(
        'Rules = [\n  RowCount = 4,\n  IsComplete "qty",\n  IsUnique "id"\n]\n'
    )
    (tmp_path / "error.dqdl").write_text('Rules = [ RowCount = 4, IsComplete "nope" ]\n')
    (tmp_path / "bad.dqdl").write_text('Rules = [\n  RowCount = 4,\n  IsComplet "qty"\n]\n')
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, ["dq", *args])


def test_exit_codes_follow_the_outcomes(files):
    assert run("run", "pass.dqdl", "orders.csv").exit_code == 0
    assert run("run", "mixed.dqdl", "orders.csv").exit_code == 1
    res = run("run", "error.dqdl", "orders.csv")
    assert res.exit_code == 2
    assert "ERROR" in res.stdout and "nope" in res.stdout


def test_run_prints_a_table_and_writes_json_and_rows(files):
    res = run(
        "run", "mixed.dqdl", "orders.csv", "--json", "out.json", "--row-level", "rows.parquet"
    )
    assert res.exit_code == 1, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["rule", "outcome", "failing", "rows", "message"]
    assert lines[2].startswith("RowCount = 4") and "PASS" in lines[2]
    # One NULL qty; id 3 twice.
    assert lines[3].split()[2:4] == ["FAIL", "1"]
    assert lines[4].split()[2:4] == ["FAIL", "2"]
    assert lines[-1] == "score 0.33: 1 passed, 2 failed, 0 errors"
    doc = json.loads((files / "out.json").read_text())
    assert [r["Result"] for r in doc["RuleResults"]] == ["PASS", "FAIL", "FAIL"]
    rows = pd.read_parquet(files / "rows.parquet")
    assert list(rows["DataQualityEvaluationResult"]) == ["Passed", "Failed", "Failed", "Failed"]
    assert not list(files.glob("*.tmp"))


def test_row_level_csv_and_references(files):
    (files / "cust.csv").write_text("cid\n1\n2\n")
    (files / "ref.dqdl").write_text('Rules = [ ReferentialIntegrity "id" "ref.cid" = 1.0 ]')
    res = run("run", "ref.dqdl", "orders.csv", "--ref", "ref=cust.csv", "--row-level", "r.csv")
    assert res.exit_code == 1
    assert "0.5" in res.stdout  # ids 1, 2 of 1, 2, 3, 3 are customers
    assert pd.read_csv(files / "r.csv").shape == (4, 7)
    bad = run("run", "ref.dqdl", "orders.csv", "--ref", "ref")
    assert bad.exit_code == 2 and "ALIAS=PATH" in bad.stderr


def test_syntax_errors_are_file_line_col(files):
    res = run("validate", "bad.dqdl")
    assert res.exit_code == 2
    assert res.stderr.startswith("bad.dqdl:3:3: ") and "IsComplete" in res.stderr
    assert "Traceback" not in res.stderr
    res = run("run", "bad.dqdl", "orders.csv")
    assert res.exit_code == 2 and res.stderr.startswith("bad.dqdl:3:3: ")
    res = run("validate", "mixed.dqdl")
    assert res.exit_code == 0 and "ok (3 rules, 0 analyzers)" in res.stdout


def test_missing_files_are_one_line_errors(files):
    res = run("run", "pass.dqdl", "none.csv")
    assert res.exit_code == 2 and res.stderr == "error: no file matches none.csv\n"
    res = run("validate", "none.dqdl")
    assert res.exit_code == 2 and "rules file not found" in res.stderr


def test_recommend_prints_rules_that_pass(files):
    res = run("recommend", "orders.csv")
    assert res.exit_code == 0
    assert len(parse(res.stdout).rules) >= 4
    res = run("recommend", "orders.csv", "-o", "rec.dqdl")
    assert res.exit_code == 0 and res.stdout.startswith("wrote ")
    assert run("run", "rec.dqdl", "orders.csv").exit_code == 0


def test_explain_shows_one_aggregate_query(files):
    res = run("explain", "mixed.dqdl", "orders.csv")
    assert res.exit_code == 0
    assert res.stdout.count("-- one aggregate query") == 1 and "SELECT" in res.stdout


def test_name_records_history(files):
    assert run("run", "pass.dqdl", "orders.csv", "--name", "orders").exit_code == 0
    runs = MetricHistory("orders").runs()
    assert [r["score"] for r in runs] == [1.0]
