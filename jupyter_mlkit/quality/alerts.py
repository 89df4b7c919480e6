"""Alerts: publish a run's score and metrics to CloudWatch, and a failure summary to SNS.

Clients come from :func:`jupyter_mlkit.aws.client`, so ``MLKIT_AWS_ENDPOINT_URL`` points them at
a local server (moto, LocalStack). Metric names follow Glue's: ``glue.data.quality.rules.passed``
/ ``.failed`` and the score, plus one metric per rule metric (``Column.qty.Completeness``), all
with the dimensions ``Dataset`` (and ``Ruleset`` when given).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from .result import QualityResult

NAMESPACE = "Glue Data Quality"
_BATCH = 20  # CloudWatch's historical per-request limit; safe everywhere


def _dimensions(dataset: str, ruleset: str | None) -> list[dict[str, str]]:
    dims = [{"Name": "Dataset", "Value": dataset}]
    if ruleset:
        dims.append({"Name": "Ruleset", "Value": ruleset})
    return dims


def publish_metrics(
    result: QualityResult,
    *,
    dataset: str,
    ruleset: str | None = None,
    namespace: str = NAMESPACE,
    include_rule_metrics: bool = True,
    region: str | None = None,
) -> int:
    """Put the score, pass/fail counts and (optionally) every rule metric. Returns the count."""
    from ..aws import client

    dims = _dimensions(dataset, ruleset)
    ts = result.completed_on or datetime.now(timezone.utc)
    passed = sum(o.outcome == "Passed" for o in result.outcomes)
    data = [
        ("glue.data.quality.score", result.score, "None"),
        ("glue.data.quality.rules.passed", passed, "Count"),
        ("glue.data.quality.rules.failed", len(result.outcomes) - passed, "Count"),
    ]
    if include_rule_metrics:
        data += [(name, value, "None") for name, value in sorted(result.metrics().items())]
    items = [
        {"MetricName": n[:255], "Dimensions": dims, "Timestamp": ts, "Value": float(v), "Unit": u}
        for n, v, u in data
        if v is not None and v == v
    ]
    cw = client("cloudwatch", region=region)
    for i in range(0, len(items), _BATCH):
        cw.put_metric_data(Namespace=namespace, MetricData=items[i : i + _BATCH])
    return len(items)


def failure_summary(result: QualityResult, dataset: str | None = None) -> str:
    """A short plain-text summary of the rules that did not pass."""
    bad = [o for o in result.outcomes if o.outcome != "Passed"]
    head = f"Data quality {'FAILED' if bad else 'passed'}"
    if dataset:
        head += f" for {dataset}"
    lines = [f"{head}: score {result.score:.2f} ({len(bad)} of {len(result.outcomes)} rules)"]
    for o in bad:
        lines.append(f"- [{o.outcome}] {o.rule}" + (f": {o.message}" if o.message else ""))
    return "\n".join(lines)


def publish_failure_summary(
    result: QualityResult,
    topic_arn: str,
    *,
    dataset: str | None = None,
    always: bool = False,
    region: str | None = None,
) -> str | None:
    """Send the failure summary to an SNS topic; nothing is sent when all rules passed (unless
    ``always``). Returns the SNS message id, or None when nothing was sent."""
    if result.passed and not always:
        return None
    from ..aws import client

    subject = f"Data quality {'failed' if not result.passed else 'passed'}"
    if dataset:
        subject += f": {dataset}"
    body = failure_summary(result, dataset)
    attrs = {"score": {"DataType": "Number", "StringValue": f"{result.score:.4f}"}}
    sns = client("sns", region=region)
    resp = sns.publish(
        TopicArn=topic_arn, Subject=subject[:99], Message=body, MessageAttributes=attrs
    )
    return resp["MessageId"]


def result_json(result: QualityResult) -> str:
    return json.dumps(result.to_dict(), default=str)
