"""The data-quality REST routes against a real in-process Jupyter server and real job workers."""

from __future__ import annotations

import asyncio
import time

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CSV = "id,status,qty\n1,NEW,3\n2,SHIPPED,\n3,LOST,7\n3,NEW,1\n"
RULES = """Rules = [
    RowCount = 4,
    IsComplete "qty",
    ColumnValues "status" in ["NEW", "SHIPPED"],
    IsUnique "id"
]"""


async def wait_state(api, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        code, job = await api(f"jobs/{job_id}")
        assert code == 200
        if job["state"] in ("completed", "failed", "cancelled", "interrupted"):
            return job
        assert time.monotonic() < deadline, f"job stuck in {job['state']}"
        await asyncio.sleep(0.1)


@pytest.fixture
def data(jp_root_dir):
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "orders.csv").write_text(CSV)
    return "data/orders.csv"


async def test_validate_reports_ok_and_positions(api):
    code, body = await api("quality/validate", "POST", {"text": RULES})
    assert code == 200
    assert body["ok"] is True and body["errors"] == [] and body["rules"] == 4
    code, body = await api("quality/validate", "POST", {"text": 'Rules = [\n  IsComplet "a"\n]'})
    assert code == 200 and body["ok"] is False
    (err,) = body["errors"]
    assert (err["line"], err["column"]) == (2, 3)
    assert "IsComplete" in err["message"]  # the closest valid name


@pytest.mark.parametrize(
    "text",
    ["", "Rules", "Rules = [", "]]]]", "Rules = [ RowCount > ]", "(" * 5000, "\x00\xff", "é" * 10],
)
async def test_validate_never_fails_on_odd_text(api, text):
    code, body = await api("quality/validate", "POST", {"text": text})
    assert code == 200 and body["ok"] is False
    assert body["errors"][0]["line"] >= 1 and body["errors"][0]["message"]


async def test_validate_rejects_a_body_without_text(api):
    code, body = await api("quality/validate", "POST", {"text": 3})
    assert code == 400 and body["error"]["code"] == "bad_parameters"
    code, body = await api("quality/validate", "POST", "not json")
    assert code == 400 and "not valid JSON" in body["error"]["message"]


async def test_run_job_gives_outcomes_history_and_failing_rows(api, data):
    code, job = await api(
        "quality/run",
        "POST",
        {"rules": RULES, "data": data, "row_level": True, "dataset_name": "orders"},
    )
    assert code == 201, job
    assert job["kind"] == "dq-run"
    done = await wait_state(api, job["id"])
    assert done["state"] == "completed", done
    result = done["result"]
    outcomes = [r["outcome"] for r in result["rules"]]
    assert outcomes == ["Passed", "Failed", "Failed", "Failed"]
    assert result["score"] == 0.25 and result["exit_code"] == 1
    # qty NULL in row 2; status LOST in row 3; id 3 twice (rows 3 and 4).
    assert [r["failing_rows"] for r in result["rules"]] == [None, 1, 1, 2]
    assert result["failing_rows"] == 3
    assert {a.rsplit("/", 1)[1] for a in done["artifacts"]} == {
        "result.json",
        "failing_rows.parquet",
    }
    failing = pq.read_table(result["failing_rows_path"]).to_pandas()
    assert sorted(failing["id"]) == [2, 3, 3]
    preview = result["failing_rows_preview"]
    assert [(r["id"], r["qty"]) for r in preview] == [(2, None), (3, 7), (3, 1)]
    assert preview[1]["DataQualityRulesFail"] == [
        'ColumnValues "status" in ["NEW","SHIPPED"]',
        'IsUnique "id"',
    ]

    code, hist = await api("quality/history", params={"dataset": "orders"})
    assert code == 200
    assert [r["score"] for r in hist["runs"]] == [0.25]
    assert hist["metrics"]["Dataset.*.RowCount"][0]["value"] == 4.0
    assert "Column.qty.Completeness" in hist["metric_names"]


async def test_history_accumulates_runs_for_one_dataset(api, data):
    for rules in ("Rules = [ RowCount = 4 ]", "Rules = [ RowCount = 4, RowCount = 5 ]"):
        code, job = await api("quality/run", "POST", {"rules": rules, "data": data})
        assert code == 201
        assert (await wait_state(api, job["id"]))["state"] == "completed"
    code, hist = await api("quality/history", params={"dataset": data, "metric": "x"})
    assert [r["score"] for r in hist["runs"]] == [1.0, 0.5]
    assert hist["metrics"] == {"x": []}
    code, hist = await api("quality/history", params={"dataset": "other"})
    assert code == 200 and hist["runs"] == []
    code, body = await api("quality/history")
    assert code == 400 and "dataset" in body["error"]["message"]


async def test_run_refuses_bad_rules_and_paths_before_any_job(api, data, jp_root_dir):
    code, body = await api("quality/run", "POST", {"rules": "Rules = [ RowCount > ]", "data": data})
    assert code == 400 and body["error"]["code"] == "dqdl_syntax_error"
    assert body["error"]["details"]["line"] == 1 and body["error"]["details"]["column"] > 1
    code, body = await api("quality/run", "POST", {"rules": RULES, "data": "../../etc/passwd"})
    assert code == 403 and body["error"]["code"] == "path_outside_root"
    code, body = await api("quality/run", "POST", {"rules": RULES, "data": "data/none.csv"})
    assert code == 404
    code, body = await api(
        "quality/run", "POST", {"rules": RULES, "data": data, "references": {"r": "/etc/hosts"}}
    )
    assert code == 403
    code, body = await api("quality/run", "POST", {"data": data})
    assert code == 400 and "rules" in body["error"]["message"]
    code, body = await api("quality/run", "POST", {"rules": RULES, "data": data, "engine": "flink"})
    assert code == 400 and body["error"]["details"]["field"] == "engine"
    code, page = await api("jobs", params={"kind": "dq-run"})
    assert page["total"] == 0  # nothing was written


async def test_run_reads_a_rules_file_and_references(api, data, jp_root_dir):
    (jp_root_dir / "data" / "customers.csv").write_text("cid\n1\n2\n3\n")
    (jp_root_dir / "rules.dqdl").write_text(
        'Rules = [ ReferentialIntegrity "id" "ref.cid" = 1.0, RowCountMatch "ref" = 1.0 ]'
    )
    code, job = await api(
        "jobs",
        "POST",
        {
            "kind": "dq-run",
            "parameters": {
                "rules_path": "rules.dqdl",
                "data": data,
                "references": {"ref": "data/customers.csv"},
            },
        },
    )
    assert code == 201, job
    done = await wait_state(api, job["id"])
    assert done["state"] == "completed", done
    # Every id is a customer; 4 rows against 3 is a RowCountMatch of 4/3.
    assert [r["outcome"] for r in done["result"]["rules"]] == ["Passed", "Failed"]


async def test_recommend_job_returns_rules_that_pass(api, data):
    code, job = await api("quality/recommend", "POST", {"data": data})
    assert code == 201
    done = await wait_state(api, job["id"])
    assert done["state"] == "completed", done
    text = done["result"]["rules"]
    assert text.startswith("Rules = [") and 'IsComplete "id"' in text
    code, job = await api("quality/run", "POST", {"rules": text, "data": data})
    done = await wait_state(api, job["id"])
    assert done["result"]["score"] == 1.0


async def test_unreadable_data_fails_the_job_with_a_clear_message(api, jp_root_dir):
    (jp_root_dir / "empty.csv").write_text("")
    code, job = await api("quality/run", "POST", {"rules": RULES, "data": "empty.csv"})
    assert code == 201
    done = await wait_state(api, job["id"])
    assert done["state"] == "failed"
    assert done["error"]["code"] == "data_error" and "is empty" in done["error"]["message"]


async def test_rule_types_lists_names_for_the_editor(api):
    code, body = await api("quality/rule-types")
    assert code == 200
    names = [t["name"] for t in body["rule_types"]]
    assert {"RowCount", "IsComplete", "ColumnValues", "CustomSql"} <= set(names)
    assert names == sorted(names) and len(names) == len(set(names))
    assert "where" in body["keywords"]


async def test_dq_run_can_be_scheduled(api, data):
    code, sched = await api(
        "schedules",
        "POST",
        {"kind": "dq-run", "cron": "0 * * * *", "parameters": {"rules": RULES, "data": data}},
    )
    assert code == 201 and sched["kind"] == "dq-run"
    code, body = await api(
        "schedules",
        "POST",
        {"kind": "dq-run", "cron": "0 * * * *", "parameters": {"rules": "x", "data": data}},
    )
    assert code == 400 and body["error"]["code"] == "dqdl_syntax_error"


DQDL_BITS = st.sampled_from(
    ["Rules", "=", "[", "]", "(", ")", ",", '"a"', "RowCount", "IsComplete", "and", "or",
     "where", "with threshold", ">", "between", "0.5", "\n", " ", "#c", "last(3)", "now()"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), st.lists(DQDL_BITS, max_size=40).map(" ".join)))
def test_validate_answers_every_text_with_positions(text):
    from jupyter_mlkit.server.quality_handlers import validate_text

    body = validate_text(text)
    assert isinstance(body["ok"], bool)
    if body["ok"]:
        assert body["errors"] == []
    else:
        (err,) = body["errors"]
        assert err["line"] >= 1 and err["column"] >= 1 and err["message"]
        assert err["line"] <= text.count("\n") + 2
