"""Recommendations: parse, pass on their own data, and follow the spec's thresholds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from jupyter_mlkit.quality import evaluate, parse, recommend
from jupyter_mlkit.quality.recommend import wald_lower


def test_wald_lower_bound_matches_the_public_glue_sample():
    assert wald_lower(0.75, 4) == 0.32


def test_recommendation_on_a_small_table_is_exact():
    df = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "status": ["NEW", "NEW", "SHIPPED", "SHIPPED"],
            "note": ["a", None, "abc", "ab"],
        }
    )
    text = recommend(df)
    rules = [r.to_dqdl() for r in parse(text).rules]
    assert rules[0] == "RowCount between 2 and 8"
    assert 'IsComplete "id"' in rules
    assert 'Uniqueness "id" > 0.95' in rules
    assert 'ColumnValues "id" between 0 and 5' in rules
    assert 'ColumnValues "status" in ["NEW","SHIPPED"]' in rules
    assert 'ColumnLength "status" between 2 and 8' in rules
    assert 'Completeness "note" >= 0.32' in rules  # completeness 0.75 on 4 rows
    assert 'ColumnLength "note" <= 3' in rules  # NULL has length 0
    sd = float(np.std([1, 2, 3, 4]))
    assert f'StandardDeviation "id" between {0.95 * sd!r} and {1.05 * sd!r}' in rules
    assert evaluate(text, df).score == 1.0


def test_recommendation_passes_on_varied_data_with_nulls():
    rng = np.random.default_rng(7)
    n = 2000
    df = pd.DataFrame(
        {
            "key": np.arange(n),
            "cat": rng.choice(["a", "b", "c", "d"], n),
            "mostly": np.where(rng.random(n) < 0.95, "x", rng.integers(0, 10**6, n).astype(str)),
            "amount": np.where(rng.random(n) < 0.1, np.nan, rng.normal(50, 5, n)),
            "flag": rng.random(n) < 0.5,
            "code": rng.integers(0, 50, n),
            "text": [None if i % 7 == 0 else "w" * (i % 13 + 1) for i in range(n)],
        }
    )
    text = recommend(df)
    res = evaluate(text, df)
    assert res.score == 1.0, res.summary()
    assert "with threshold >= " in text  # fractional categories and NULL-tolerant ranges


def test_sdk_pandas_recommendation_case(shared_dir):
    cases = json.loads(
        (
            shared_dir / "fixtures/aws/glue_dq/aws-sdk-pandas_test_data_quality_cases.json"
        ).read_text()
    )["cases"]
    case = next(c for c in cases if c["test"] == "test_recommendation_ruleset")
    df = pd.DataFrame(case["data"])
    text = recommend(df).rstrip("]").rstrip() + ',\n    ColumnValues "c2" in [0, 1, 2]\n]'
    assert evaluate(text, df).score == 1.0


def test_recommend_reads_files(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": [1, 2, 3]}).to_csv(path, index=False)
    text = recommend(str(path))
    assert evaluate(text, str(path)).score == 1.0
