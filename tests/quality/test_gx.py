"""Great Expectations interop, run with the real great_expectations package."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("great_expectations")

from jupyter_mlkit.quality import evaluate  # noqa: E402
from jupyter_mlkit.quality.gx import (  # noqa: E402
    from_gx_result,
    to_expectation_suite,
    validate_with_gx,
)

RULES = """Rules = [
    RowCount = 4,
    IsComplete "id",
    IsUnique "id",
    ColumnValues "status" in ["NEW", "SHIPPED"],
    ColumnValues "amount" between 0 and 100,
    ColumnValues "amount" > 5 with threshold >= 0.5,
    Mean "amount" between 10 and 60,
    ColumnLength "status" <= 7,
    Entropy "status" > 0.1,
    (IsComplete "id") or (RowCount > 3),
    ColumnValues "status" in ["NEW", NULL]
]"""


@pytest.fixture(scope="module")
def df():
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 3],
            "status": ["NEW", "SHIPPED", "NEW", "LOST"],
            "amount": [1.0, 20.0, 30.0, 120.0],
        }
    )


def test_suite_has_equivalents_and_lists_the_rest():
    suite, unsupported = to_expectation_suite(RULES)
    kinds = [e.expectation_type for e in suite.expectations]
    assert kinds == [
        "expect_table_row_count_to_equal",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_between",
        "expect_column_mean_to_be_between",
        "expect_column_value_lengths_to_be_between",
    ]
    between = suite.expectations[4]
    assert between.strict_min and between.strict_max  # DQDL between is exclusive
    assert suite.expectations[5].mostly == 0.5
    texts = [t for t, _ in unsupported]
    assert texts == [
        'Entropy "status" > 0.1',
        '(IsComplete "id") or (RowCount > 3)',
        'ColumnValues "status" in ["NEW",NULL]',
    ]
    assert all(reason for _, reason in unsupported)


def test_gx_results_agree_with_our_engine(df):
    suite, _ = to_expectation_suite(RULES)
    gx_result = validate_with_gx(suite, df)
    ours = {o.rule: o.outcome for o in evaluate(RULES, df).outcomes}
    assert len(gx_result.outcomes) == 8
    for o in gx_result.outcomes:
        assert o.outcome == ours[o.rule], o.rule
    # IsUnique fails (3 twice), status has LOST, amount has 120
    failed = [o.rule for o in gx_result.outcomes if o.outcome == "Failed"]
    assert failed == [
        'IsUnique "id"',
        'ColumnValues "status" in ["NEW","SHIPPED"]',
        'ColumnValues "amount" between 0 and 100',
    ]
    assert gx_result.score == 5 / 8


def test_from_gx_result_accepts_plain_json():
    doc = {
        "results": [
            {
                "success": False,
                "expectation_config": {
                    "type": "expect_column_values_to_not_be_null",
                    "kwargs": {"column": "a", "batch_id": "x"},
                },
                "result": {
                    "element_count": 4,
                    "unexpected_count": 1,
                    "partial_unexpected_list": [None],
                },  # fmt: skip
                "exception_info": {"raised_exception": False},
            },
            {
                "success": False,
                "expectation_config": {"type": "expect_column_to_exist", "kwargs": {"column": "z"}},
                "result": {},
                "exception_info": {"raised_exception": True, "exception_message": "boom"},
            },
        ]
    }
    res = from_gx_result(doc)
    assert [o.outcome for o in res.outcomes] == ["Failed", "Error"]
    assert res.outcomes[0].rule == "expect_column_values_to_not_be_null(column='a')"
    assert res.outcomes[0].metrics == {
        "Column.a.expect_column_values_to_not_be_null.Compliance": 0.75
    }
    assert res.outcomes[1].message == "boom" and res.score == 0.0
