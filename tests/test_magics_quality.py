"""``%%dq`` and ``%dq_recommend`` in a real IPython shell; the quality result widget."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.testing.globalipapp import start_ipython

from jupyter_mlkit.quality import MetricHistory, QualityResult, parse
from jupyter_mlkit.widgets.quality_result import QualityResultView

RULES = 'Rules = [\n  RowCount = 4,\n  IsComplete "qty",\n  IsUnique "id"\n]'


@pytest.fixture(scope="module")
def ip():
    shell = start_ipython() or InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_mlkit")
    return shell


@pytest.fixture
def orders(ip):
    df = pd.DataFrame({"id": [1, 2, 3, 3], "qty": [3.0, None, 7.0, 1.0]})
    ip.user_ns["orders"] = df
    return df


@pytest.fixture
def shown(monkeypatch):
    """What the magic displays (IPython.display.display, as a kernel would receive it)."""
    seen = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: seen.extend(objs))
    return seen


def test_magics_are_registered(ip):
    assert "dq" in ip.magics_manager.magics["cell"]
    assert "dq_recommend" in ip.magics_manager.magics["line"]


def test_dq_on_a_dataframe_variable_returns_the_result_and_shows_a_widget(ip, orders, shown):
    # Through run_cell, as in a notebook: the cell's value is displayed by IPython's displayhook.
    # The shell is shared by every magic test; a `_` left by another module's cells would keep
    # IPython from updating it (it never overwrites a `_` it did not set), so start clean.
    ip.displayhook.flush()
    result = ip.run_cell(f"%%dq orders --row-level\n{RULES}", store_history=True).result
    assert isinstance(result, QualityResult)
    assert [o.outcome for o in result.outcomes] == ["Passed", "Failed", "Failed"]
    assert ip.user_ns["_"] is result
    (view,) = shown  # shown once, as the widget
    assert isinstance(view, QualityResultView)
    assert view.bar.value == pytest.approx(1 / 3) and view.bar.bar_style == "warning"
    html = view.table.value
    assert "score 0.33" in html and "1 passed, 2 failed, 0 errors" in html
    # Failing-row counts: one NULL qty, id 3 twice; RowCount has no row verdict.
    assert [r["failing_rows"] for r in view.summary["rules"]] == [None, 1, 2]
    assert html.count("FAIL") == 2 and "failing rows" in html
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == html and bundle["text/plain"].startswith("Score: 0.33")


def test_dq_on_a_path_with_a_name_records_history(ip, tmp_path, monkeypatch, shown):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "o.csv").write_text("id,qty\n1,3\n2,4\n")
    result = ip.run_cell("%%dq o.csv --name orders-csv\nRules = [ RowCount = 2 ]").result
    assert result.score == 1.0 and shown[0].bar.bar_style == "success"
    assert "failing rows" not in shown[0].table.value  # not asked for row level
    assert [r["score"] for r in MetricHistory("orders-csv").runs()] == [1.0]


def test_dq_references_resolve_variables(ip, orders, shown):
    ip.user_ns["customers"] = pd.DataFrame({"cid": [1, 2, 3]})
    result = ip.run_cell_magic(
        "dq", "orders --ref ref=customers", 'Rules = [ ReferentialIntegrity "id" "ref.cid" = 1.0 ]'
    )
    assert result.outcomes[0].outcome == "Passed"


def test_syntax_errors_print_line_and_column_without_traceback(ip, orders, shown, capsys):
    assert ip.run_cell_magic("dq", "orders", 'Rules = [\n  IsComplet "qty"\n]') is None
    err = capsys.readouterr().err
    assert err.startswith("line 2, column 3: ") and "IsComplete" in err
    assert "Traceback" not in err and shown == []


def test_user_mistakes_are_one_message(ip, orders, shown, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert ip.run_cell_magic("dq", "nothing_here", RULES) is None
    assert "no variable or file named 'nothing_here'" in capsys.readouterr().err
    assert ip.run_cell_magic("dq", "", RULES) is None
    assert "usage: %%dq" in capsys.readouterr().err
    (tmp_path / "empty.csv").write_text("")
    assert ip.run_cell_magic("dq", "empty.csv", RULES) is None
    assert "is empty" in capsys.readouterr().err
    assert ip.run_cell_magic("dq", "orders --ref x", RULES) is None
    assert "ALIAS=VAR_OR_PATH" in capsys.readouterr().err
    assert shown == []


def test_missing_column_is_an_error_outcome(ip, orders, shown):
    result = ip.run_cell_magic("dq", "orders", 'Rules = [ IsComplete "nope", RowCount = 4 ]')
    assert [o.outcome for o in result.outcomes] == ["Error", "Passed"]
    assert shown == []  # run_cell_magic alone displays nothing; the displayhook does
    result._ipython_display_()
    assert shown[0].bar.bar_style == "danger" and "ERROR" in shown[0].table.value


def test_dq_recommend_prints_rules_and_prefills_a_cell(ip, orders, capsys, monkeypatch):
    offered = []
    monkeypatch.setattr(ip, "set_next_input", lambda text, replace=False: offered.append(text))
    assert ip.run_line_magic("dq_recommend", "orders") is None
    printed = capsys.readouterr().out
    assert len(parse(printed).rules) >= 3
    (cell,) = offered
    assert cell.startswith("%%dq orders\nRules = [")
    # The offered cell runs and passes on the data it came from.
    body = cell.split("\n", 1)[1]
    assert ip.run_cell_magic("dq", "orders", body).score == 1.0


def test_dq_recommend_usage(ip, capsys):
    assert ip.run_line_magic("dq_recommend", "") is None
    assert "usage: %dq_recommend" in capsys.readouterr().err
