"""Reading data-capture files, the preprocess hook and the ground-truth merge."""

from __future__ import annotations

import base64
import json

import pandas as pd
import pytest

from jupyter_mlkit.monitor import (
    MonitorInputError,
    analyze,
    merge_ground_truth,
    read_capture,
    suggest_baseline,
)


def _line(inp, out, event="e1", enc="CSV", ctype="text/csv", **meta):
    def part(data, mode):
        return {"observedContentType": ctype, "mode": mode, "data": data, "encoding": enc}

    cd = {"endpointInput": part(inp, "INPUT")}
    if out is not None:
        cd["endpointOutput"] = part(out, "OUTPUT")
    return json.dumps(
        {"captureData": cd, "eventMetadata": {"eventId": event, **meta}, "eventVersion": "0"}
    )


def test_every_capture_fixture_is_read(captures):
    expected_rows = {
        "amazon-sagemaker-developer-guide_batch-transform-output-with-inference-id.jsonl": 2,
        "amazon-sagemaker-developer-guide_capture-record-example.json": 1,
        "amazon-sagemaker-examples_bias-drift-batch-transform-jsonlines_merged-record.json": 1,
        (
            "amazon-sagemaker-examples_clarify-bias-monitor-batch-transform-json_merged-record.json"
        ): 334,
        "amazon-sagemaker-examples_clarify-bias-monitor-endpoint-json_capture.jsonl": 3,
        "amazon-sagemaker-examples_clarify-bias-monitor-endpoint-json_merged-record.json": 334,
        "amazon-sagemaker-examples_feature-attribution-drift-endpoint-jsonlines_capture.jsonl": 3,
        "amazon-sagemaker-examples_model-monitor-introduction_capture-excerpt.jsonl": 3,
        "sagemaker-python-sdk_actuals.jsonl": 44,
        "sagemaker-python-sdk_capture.jsonl": 44,
        "sagemaker-python-sdk_captured-data.jsonl": 6,
    }
    for name, rows in expected_rows.items():
        df = read_capture(captures / name)
        assert len(df) == rows, name
        assert df.attrs["skipped"] == 0, (name, df.attrs["capture_report"].skipped)
    gt = read_capture(captures / "amazon-sagemaker-examples_test_gt")
    assert len(gt) == 334 and gt.attrs["skipped"] == 0
    assert set(gt["groundTruth"]) == {"0", "1"}
    # the real introduction capture: prediction first (START), then 69 features
    intro = read_capture(
        captures / "amazon-sagemaker-examples_model-monitor-introduction_capture-excerpt.jsonl"
    )
    assert intro.loc[0, "_c0"] == "0.036397725343704224"
    assert intro.loc[0, "_c1"] == "132"
    assert intro.shape[1] == 4 + 1 + 69
    merged = read_capture(
        captures / "amazon-sagemaker-examples_clarify-bias-monitor-endpoint-json_merged-record.json"
    )
    assert {"score", "predicted_label", "features_0", "groundTruth"} <= set(merged.columns)
    bt = read_capture(
        captures / "amazon-sagemaker-developer-guide_batch-transform-output-with-inference-id.jsonl"
    )
    assert bt["inferenceId"].tolist()[0] == "1f1d57b1-2e6f-488c-8c30-db4e6d757861"
    jl = read_capture(
        captures
        / "amazon-sagemaker-examples_feature-attribution-drift-endpoint-jsonlines_capture.jsonl"
    )
    assert jl["score"].tolist()[:2] == [0.989977359771728, 0.989977359771728]
    assert jl["features_2"].tolist()[2] == 72338


def test_sdk_capture_merges_with_actuals(captures):
    m = merge_ground_truth(
        captures / "sagemaker-python-sdk_capture.jsonl",
        captures / "sagemaker-python-sdk_actuals.jsonl",
    )
    cap = read_capture(captures / "sagemaker-python-sdk_capture.jsonl")
    gt = read_capture(captures / "sagemaker-python-sdk_actuals.jsonl")
    common = set(cap["eventId"]) & set(gt["eventId"])
    assert len(m) == len(common) > 0
    assert m["groundTruth"].notna().all()


def test_test_gt_joins_its_captures(captures, tmp_path):
    """test_gt labels join captures whose inferenceId holds the label's eventId."""
    gt_dir = captures / "amazon-sagemaker-examples_test_gt"
    ids = sorted(p.stem for p in gt_dir.glob("*.jsonl"))[:5]
    lines = [_line("1,2", "0.9", event=f"ev{i}", inferenceId=k) for i, k in enumerate(ids)]
    lines.append(_line("3,4", "0.1", event="no-label"))
    (tmp_path / "cap.jsonl").write_text("\n".join(lines) + "\n")
    m = merge_ground_truth(tmp_path / "cap.jsonl", gt_dir)
    assert sorted(m["inferenceId"]) == ids
    labels = {
        p.stem: json.loads(p.read_text())["groundTruthData"]["data"] for p in gt_dir.glob("*.jsonl")
    }
    assert all(row.groundTruth == labels[row.inferenceId] for row in m.itertuples())


def test_base64_json_and_bad_lines_are_counted(tmp_path):
    b64 = base64.b64encode(b"5,6").decode()
    js = json.dumps({"instances": [{"a": 1, "b": {"c": 2}}, {"a": 3, "b": {"c": 4}}]})
    lines = [
        _line("1,2", "0.5"),
        _line(
            b64, base64.b64encode(b"0.7").decode(), enc="BASE64", ctype="application/octet-stream"
        ),
        "{not json",
        _line("1,2", "0.5", enc="XML"),
        _line(js, json.dumps({"predictions": [0.1, 0.2]}), enc="JSON", ctype="application/json"),
        _line("@@@", None, enc="BASE64"),
    ]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n")
    df = read_capture(tmp_path / "c.jsonl")
    report = df.attrs["capture_report"]
    assert df.attrs["skipped"] == 3
    assert [(s.line, s.reason.split(":")[0]) for s in report.skipped] == [
        (3, "invalid JSON"),
        (4, "unknown encoding 'XML' (expected CSV, JSON, BASE64)"),
        (6, "BASE64 payload cannot be decoded"),
    ]
    assert df.loc[1, "_c0"] == "0.7" and df.loc[1, "_c1"] == "5"
    js_rows = df[df["a"].notna()]
    assert js_rows["a"].tolist() == [1, 3] and js_rows["b.c"].tolist() == [2, 4]
    assert js_rows["output_0"].tolist() == [0.1, 0.2]
    assert "3 records skipped" in report.summary()


def test_preprocess_callable_and_script(tmp_path):
    (tmp_path / "c.jsonl").write_text(
        "\n".join([_line("1,2", "0.5", event="a"), _line("3,4", "0.9", event="b")]) + "\n"
    )

    def handler(rec):
        if rec.event_metadata.event_id == "b":
            return None  # dropped, as the container allows
        x, y = rec.endpoint_input.data.split(",")
        return {"x": int(x), "y": int(y), "score": float(rec.endpoint_output.data)}

    df = read_capture(tmp_path / "c.jsonl", preprocess=handler, include_metadata=False)
    assert df.to_dict("records") == [{"x": 1, "y": 2, "score": 0.5}]
    script = tmp_path / "pre.py"
    script.write_text(
        "def preprocess_handler(inference_record):\n"
        "    d = inference_record.endpoint_input.data.split(',')\n"
        "    return [{'v': int(v)} for v in d]\n"
    )
    df = read_capture(tmp_path / "c.jsonl", preprocess=str(script), include_metadata=False)
    assert df["v"].tolist() == [1, 2, 3, 4]
    (tmp_path / "bad.py").write_text("x = 1\n")
    with pytest.raises(MonitorInputError, match="defines no preprocess_handler"):
        read_capture(tmp_path / "c.jsonl", preprocess=tmp_path / "bad.py")


def test_analyze_capture_files_against_named_baseline(tmp_path):
    base = suggest_baseline(
        pd.DataFrame({"score": [0.1, 0.5, 0.9] * 20, "a": [1, 2, 3] * 20, "b": [4, 5, 6] * 20})
    )
    lines = [_line(f"{i % 3 + 1},{i % 3 + 4}", f"0.{i % 9 + 1}", event=f"e{i}") for i in range(60)]
    (tmp_path / "cap.jsonl").write_text("\n".join(lines) + "\n")
    r = analyze(tmp_path / "cap.jsonl", base)
    # the output column lands first and takes the baseline's first name
    assert set(r.drift) == {"score", "a", "b"}
    assert r.violations == []


def test_merge_needs_metadata(captures):
    cap = read_capture(captures / "sagemaker-python-sdk_capture.jsonl", include_metadata=False)
    with pytest.raises(MonitorInputError, match=r"lack the metadata columns \['_row', 'eventId'"):
        merge_ground_truth(cap, captures / "sagemaker-python-sdk_actuals.jsonl")
