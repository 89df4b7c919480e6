"""CloudWatch metrics and SNS summaries against a real moto server."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from jupyter_mlkit.aws import client
from jupyter_mlkit.quality import evaluate
from jupyter_mlkit.quality.alerts import failure_summary, publish_failure_summary, publish_metrics

pytestmark = pytest.mark.aws


@pytest.fixture
def result():
    df = pd.DataFrame({"qty": [1, None, 3]})
    return evaluate('Rules = [ RowCount = 3, IsComplete "qty" ]', df)


def test_publish_metrics_to_cloudwatch(aws, result):
    n = publish_metrics(result, dataset="orders", ruleset="daily")
    # score, passed, failed + RowCount + Completeness
    assert n == 5
    cw = client("cloudwatch")
    names = {m["MetricName"] for m in cw.list_metrics(Namespace="Glue Data Quality")["Metrics"]}
    assert names == {
        "glue.data.quality.score",
        "glue.data.quality.rules.passed",
        "glue.data.quality.rules.failed",
        "Dataset.*.RowCount",
        "Column.qty.Completeness",
    }
    metric = next(
        m
        for m in cw.list_metrics(Namespace="Glue Data Quality")["Metrics"]
        if m["MetricName"] == "glue.data.quality.score"
    )
    assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == {
        "Dataset": "orders",
        "Ruleset": "daily",
    }


def test_failure_summary_to_sns(aws, result):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="dq-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="dq-inbox")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    msg_id = publish_failure_summary(result, topic, dataset="orders")
    assert msg_id
    body = json.loads(sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"])
    assert body["Subject"] == "Data quality failed: orders"
    assert body["Message"] == failure_summary(result, "orders")
    assert '[Failed] IsComplete "qty"' in body["Message"]
    assert "score 0.50" in body["Message"]


def test_nothing_is_sent_when_everything_passed(aws):
    ok = evaluate("Rules = [ RowCount = 1 ]", pd.DataFrame({"a": [1]}))
    assert publish_failure_summary(ok, "arn:aws:sns:us-east-1:123456789012:none") is None
