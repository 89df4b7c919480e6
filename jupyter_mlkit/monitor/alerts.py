"""CloudWatch metrics and SNS notifications for a monitoring result.

Metric names follow the analyzer: ``feature_baseline_drift_<f>``, ``feature_non_null_<f>`` and
``feature_data_<f>`` (statistic values) in ``aws/sagemaker/Endpoints/data-metrics`` with the
``Endpoint`` and ``MonitoringSchedule`` dimensions. boto3 clients come from jupyter_mlkit.aws.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

DATA_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
BATCH_DATA_NAMESPACE = "aws/sagemaker/ModelMonitoring/data-metrics"
MODEL_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"


def _dimensions(endpoint: str | None, schedule: str | None) -> list[dict[str, str]]:
    dims = []
    if endpoint:
        dims.append({"Name": "Endpoint", "Value": endpoint})
    if schedule:
        dims.append({"Name": "MonitoringSchedule", "Value": schedule})
    return dims


def _iso(ts: dt.datetime | None) -> str:
    ts = ts or dt.datetime.now(dt.timezone.utc)
    return ts.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def data_quality_metrics(
    result: Any,
    *,
    endpoint: str | None = None,
    schedule: str | None = None,
    timestamp: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """PutMetricData-shaped entries (as written to the container's CloudWatch metric files)."""
    ts, dims = _iso(timestamp), _dimensions(endpoint, schedule)
    out: list[dict[str, Any]] = []
    for feat in result.statistics.get("features", []):
        name = feat["name"]
        stats = feat.get("numerical_statistics") or feat.get("string_statistics") or {}
        common = stats.get("common", {})
        total = common.get("num_present", 0) + common.get("num_missing", 0)
        if total:
            out.append(
                {
                    "MetricName": f"feature_non_null_{name}",
                    "Timestamp": ts,
                    "Dimensions": dims,
                    "Value": common["num_present"] / total,
                }
            )
        if "numerical_statistics" in feat and common.get("num_present"):
            out.append(
                {
                    "MetricName": f"feature_data_{name}",
                    "Timestamp": ts,
                    "Dimensions": dims,
                    "StatisticValues": {
                        "SampleCount": float(common["num_present"]),
                        "Sum": float(stats["sum"]),
                        "Minimum": float(stats["min"]),
                        "Maximum": float(stats["max"]),
                    },
                }
            )
    for name, d in result.drift.items():
        if d.get("distance") == d.get("distance"):  # skip NaN
            out.append(
                {
                    "MetricName": f"feature_baseline_drift_{name}",
                    "Timestamp": ts,
                    "Dimensions": dims,
                    "Value": float(d["distance"]),
                }
            )
    return out


def model_quality_metrics(
    statistics: dict[str, Any],
    *,
    endpoint: str | None = None,
    schedule: str | None = None,
    timestamp: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    ts, dims = _iso(timestamp), _dimensions(endpoint, schedule)
    key = next(k for k in statistics if k.endswith("_metrics"))
    return [
        {"MetricName": name, "Timestamp": ts, "Dimensions": dims, "Value": float(m["value"])}
        for name, m in statistics[key].items()
        if isinstance(m, dict) and "value" in m and m["value"] == m["value"]
    ]


def publish_metrics(
    metrics: list[dict[str, Any]], *, namespace: str = DATA_NAMESPACE, region: str | None = None
) -> int:
    """Send metric entries to CloudWatch (20 per call); returns how many were sent."""
    from jupyter_mlkit.aws import client

    cw = client("cloudwatch", region=region)
    data = []
    for m in metrics:
        entry = dict(m)
        entry["Timestamp"] = dt.datetime.strptime(m["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=dt.timezone.utc
        )
        data.append(entry)
    for i in range(0, len(data), 20):
        cw.put_metric_data(Namespace=namespace, MetricData=data[i : i + 20])
    return len(data)


def violations_summary(violations: list[dict[str, Any]], *, title: str = "Model monitor") -> str:
    if not violations:
        return f"{title}: no violations."
    lines = [f"{title}: {len(violations)} violation(s)."]
    for v in violations[:50]:
        who = v.get("feature_name") or v.get("metric_name") or ""
        lines.append(f"- {who} [{v.get('constraint_check_type')}]: {v.get('description')}")
    if len(violations) > 50:
        lines.append(f"... and {len(violations) - 50} more")
    return "\n".join(lines)


def notify_sns(
    topic_arn: str,
    violations: list[dict[str, Any]],
    *,
    title: str = "Model monitor",
    region: str | None = None,
) -> str:
    """Publish a readable summary (and the JSON) of the violations; returns the message id."""
    from jupyter_mlkit.aws import client

    sns = client("sns", region=region)
    body = violations_summary(violations, title=title)
    body += "\n\n" + json.dumps({"violations": violations})
    subject = f"{title}: {len(violations)} violation(s)"[:100]
    return sns.publish(TopicArn=topic_arn, Subject=subject, Message=body)["MessageId"]


def publish_alerts(
    result: Any,
    *,
    endpoint: str | None = None,
    schedule: str | None = None,
    topic_arn: str | None = None,
    namespace: str = DATA_NAMESPACE,
    region: str | None = None,
    notify_when_clean: bool = False,
) -> dict[str, Any]:
    """Publish a data-quality result's metrics, and its violations to SNS when there are any."""
    sent = publish_metrics(
        data_quality_metrics(result, endpoint=endpoint, schedule=schedule),
        namespace=namespace,
        region=region,
    )
    message_id = None
    if topic_arn and (result.violations or notify_when_clean):
        title = f"Model monitor {schedule or endpoint or ''}".strip()
        message_id = notify_sns(topic_arn, result.violations, title=title, region=region)
    return {"metrics_published": sent, "sns_message_id": message_id}
