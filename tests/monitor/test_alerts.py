"""CloudWatch metrics and SNS notifications against the moto server."""

from __future__ import annotations

import json

import pandas as pd

from jupyter_mlkit.monitor import analyze, suggest_baseline
from jupyter_mlkit.monitor.alerts import DATA_NAMESPACE, data_quality_metrics, publish_alerts


def _result():
    base = suggest_baseline(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 50, "c": ["a", "b"] * 100}))
    return analyze(pd.DataFrame({"x": [9.0, 9.5] * 50, "c": ["a", "b"] * 50}), base)


def test_metric_entries_by_hand():
    r = _result()
    ms = {m["MetricName"]: m for m in data_quality_metrics(r, endpoint="ep", schedule="s")}
    assert ms["feature_non_null_x"]["Value"] == 1.0
    assert ms["feature_data_x"]["StatisticValues"] == {
        "SampleCount": 100.0,
        "Sum": 925.0,
        "Minimum": 9.0,
        "Maximum": 9.5,
    }
    assert ms["feature_baseline_drift_x"]["Value"] == r.drift["x"]["distance"]


def test_publish_to_cloudwatch_and_sns(aws):
    from jupyter_mlkit.aws import client

    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="monitor-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)

    r = _result()
    assert any(v["constraint_check_type"] == "baseline_drift_check" for v in r.violations)
    out = publish_alerts(r, endpoint="ep", schedule="hourly", topic_arn=topic)
    assert out["metrics_published"] == len(data_quality_metrics(r)) and out["sns_message_id"]

    listed = client("cloudwatch").list_metrics(Namespace=DATA_NAMESPACE)["Metrics"]
    names = {m["MetricName"] for m in listed}
    assert "feature_baseline_drift_x" in names and "feature_non_null_c" in names
    dims = next(m["Dimensions"] for m in listed if m["MetricName"] == "feature_baseline_drift_x")
    assert {"Name": "MonitoringSchedule", "Value": "hourly"} in dims

    msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, WaitTimeSeconds=2)["Messages"]
    body = json.loads(msgs[0]["Body"])
    assert "baseline_drift_check" in body["Message"]
    assert body["Subject"].startswith("Model monitor hourly")
