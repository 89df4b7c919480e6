"""Spot placement advice: where (instance type, availability zone) and when spot was cheapest.

From EC2's spot price history (``describe_spot_price_history``). SageMaker training runs on the EC2
type of the same name, so ``ml.`` prefixes are dropped for the query and put back in the answer.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

MAX_DAYS = 90  # EC2 keeps 90 days of spot price history
_TYPE = re.compile(r"^(ml\.)?[a-z][a-z0-9-]*\.[a-z0-9-]+$")


class PriceHistoryUnavailable(RuntimeError):
    """EC2 could not be asked: no credentials, endpoint unreachable, or access denied."""


class NoPriceHistory(LookupError):
    """EC2 answered, but has no spot prices for any of the instance types asked about."""

    def __init__(self, message: str, instance_types: list[str], region: str):
        super().__init__(message)
        self.instance_types = instance_types
        self.region = region


@dataclass
class PlacementAdvice:
    cheapest: dict[str, Any] | None  # {instance_type, az, mean_price, ...} by mean price
    by_choice: list[dict[str, Any]] = field(default_factory=list)  # every (type, az), cheapest 1st
    cheapest_hours_utc: list[int] = field(default_factory=list)
    records: int = 0
    instance_types: list[str] = field(default_factory=list)
    region: str | None = None
    days: float | None = None
    missing_types: list[str] = field(default_factory=list)  # asked about, but no prices found

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ec2_type(instance_type: str) -> str:
    return instance_type[3:] if instance_type.startswith("ml.") else instance_type


def check_instance_types(instance_types: list[str]) -> list[str]:
    """Stripped, de-duplicated names; ValueError naming any that is not an instance type name."""
    names = list(dict.fromkeys(t.strip() for t in instance_types if t and t.strip()))
    if not names:
        raise ValueError("placement advice needs at least one allowed instance type")
    bad = [t for t in names if not _TYPE.match(t)]
    if bad:
        raise ValueError(
            f"not an instance type name: {', '.join(repr(b) for b in bad)} "
            "(expected e.g. ml.g5.xlarge or g5.xlarge)"
        )
    return names


def spot_price_history(
    instance_types: list[str],
    *,
    region: str | None = None,
    days: float = 7,
    product: str = "Linux/UNIX",
    client: Any = None,
) -> list[dict[str, Any]]:
    """EC2 spot price records [{instance_type, az, price, time}] (describe_spot_price_history).

    Raises :class:`PriceHistoryUnavailable` when EC2 cannot be asked, ValueError when it rejects
    the request (e.g. an instance type it does not know).
    """
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from jupyter_mlkit import aws

    names = {_ec2_type(t): t for t in instance_types}
    start = datetime.now(timezone.utc) - timedelta(days=days)
    out = []
    try:
        ec2 = client or aws.client("ec2", region=region)
        pages = ec2.get_paginator("describe_spot_price_history").paginate(
            InstanceTypes=list(names), ProductDescriptions=[product], StartTime=start
        )
        for page in pages:
            for rec in page.get("SpotPriceHistory", []):
                out.append(
                    {
                        "instance_type": names.get(rec["InstanceType"], rec["InstanceType"]),
                        "az": rec["AvailabilityZone"],
                        "price": float(rec["SpotPrice"]),
                        "time": rec["Timestamp"],
                    }
                )
    except NoCredentialsError as exc:
        raise PriceHistoryUnavailable(
            "no AWS credentials found (environment, ~/.aws or instance role): spot price "
            "history comes from EC2"
        ) from exc
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code, message = err.get("Code", "?"), err.get("Message", str(exc))
        if code.startswith("InvalidParameter"):
            raise ValueError(f"EC2 rejected the request: {message}") from exc
        raise PriceHistoryUnavailable(
            f"EC2 DescribeSpotPriceHistory failed ({code}): {message}"
        ) from exc
    except (BotoCoreError, aws.AwsUnavailable) as exc:  # unreachable endpoint, no region, ...
        raise PriceHistoryUnavailable(f"EC2 could not be reached: {exc}") from exc
    return out


def advise(records: list[dict[str, Any]], *, top_hours: int = 3) -> PlacementAdvice:
    """Cheapest (type, AZ) by mean spot price, and the UTC hours when prices were lowest."""
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    hours: dict[int, list[float]] = defaultdict(list)
    for r in records:
        groups[(r["instance_type"], r["az"])].append(r["price"])
        t = r["time"]
        if isinstance(t, datetime):
            hours[t.astimezone(timezone.utc).hour].append(r["price"])
    choices = [
        {
            "instance_type": itype,
            "az": az,
            "mean_price": statistics.fmean(prices),
            "min_price": min(prices),
            "max_price": max(prices),
            "samples": len(prices),
        }
        for (itype, az), prices in groups.items()
    ]
    choices.sort(key=lambda c: (c["mean_price"], c["instance_type"], c["az"]))
    hour_means = sorted((statistics.fmean(p), h) for h, p in hours.items())
    return PlacementAdvice(
        cheapest=choices[0] if choices else None,
        by_choice=choices,
        cheapest_hours_utc=[h for _, h in hour_means[:top_hours]],
        records=len(records),
    )


def placement_advice(
    instance_types: list[str], *, region: str | None = None, days: float = 7, client: Any = None
) -> PlacementAdvice:
    """Where (instance type and availability zone) and when spot has been cheapest lately.

    ValueError for bad input; :class:`NoPriceHistory` when EC2 has no prices for any of the
    types (a misspelt name, or a type not offered in the region); :class:`PriceHistoryUnavailable`
    when EC2 cannot be asked.
    """
    from jupyter_mlkit import aws

    names = check_instance_types(list(instance_types))
    if not 0 < days <= MAX_DAYS:
        raise ValueError(f"days must be > 0 and <= {MAX_DAYS} (EC2 keeps 90 days), got {days}")
    region = aws.region_name(region)
    advice = advise(spot_price_history(names, region=region, days=days, client=client))
    seen = {c["instance_type"] for c in advice.by_choice}
    advice.instance_types = names
    advice.region = region
    advice.days = days
    advice.missing_types = [t for t in names if t not in seen]
    if advice.cheapest is None:
        raise NoPriceHistory(
            f"no spot price history for {', '.join(names)} in {region} over the last {days:g} "
            "days: check the instance type names, and that the region offers them",
            names,
            region,
        )
    return advice
