"""Prices, billable seconds, savings (SageMaker's formula) and spot placement advice."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from typing import Any

DEFAULT_SPOT_DISCOUNT = 0.70  # used for instance types missing from the table


@lru_cache(maxsize=1)
def load_prices() -> dict[str, Any]:
    """The shipped price table (``prices.json``): estimates, with their source and date."""
    text = resources.files(__package__).joinpath("prices.json").read_text()
    return json.loads(text)


def prices_for(
    instance_type: str, table: dict[str, Any] | None = None
) -> tuple[float, float, bool]:
    """(on-demand $/h, spot $/h, known) for a SageMaker training instance type."""
    instances = (table or load_prices())["instances"]
    row = instances.get(instance_type)
    if row is None:
        return 1.0, 1.0 - DEFAULT_SPOT_DISCOUNT, False
    return float(row["on_demand"]), float(row["spot"]), True


def savings_pct(billable_s: float, training_s: float) -> float:
    """SageMaker's figure: (1 - BillableTimeInSeconds / TrainingTimeInSeconds) x 100."""
    if training_s <= 0:
        return 0.0
    return (1.0 - billable_s / training_s) * 100.0


@dataclass
class CostSummary:
    instance_type: str
    training_s: float
    spot_s: float
    on_demand_s: float
    billable_s: float
    savings_pct: float
    cost_usd: float
    on_demand_cost_usd: float
    price_known: bool
    prices_as_of: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(
    instance_type: str, spot_s: float, on_demand_s: float, table: dict[str, Any] | None = None
) -> CostSummary:
    """Billable seconds are spot seconds scaled by the spot/on-demand price ratio plus on-demand
    seconds, which is how SageMaker's reported savings come out of its formula."""
    table = table or load_prices()
    od, spot, known = prices_for(instance_type, table)
    training = spot_s + on_demand_s
    billable = spot_s * (spot / od) + on_demand_s
    return CostSummary(
        instance_type=instance_type,
        training_s=training,
        spot_s=spot_s,
        on_demand_s=on_demand_s,
        billable_s=billable,
        savings_pct=savings_pct(billable, training),
        cost_usd=(spot_s * spot + on_demand_s * od) / 3600.0,
        on_demand_cost_usd=training * od / 3600.0,
        price_known=known,
        prices_as_of=str(table.get("as_of", "?")),
    )


def _ec2_type(instance_type: str) -> str:
    return instance_type[3:] if instance_type.startswith("ml.") else instance_type


def spot_price_history(
    instance_types: list[str],
    *,
    region: str | None = None,
    days: float = 7,
    product: str = "Linux/UNIX",
    client: Any = None,
) -> list[dict[str, Any]]:
    """EC2 spot price records [{instance_type, az, price, time}] (describe_spot_price_history).

    ``ml.`` prefixes are dropped: SageMaker runs on the EC2 type of the same name.
    """
    from jupyter_mlkit import aws

    ec2 = client or aws.client("ec2", region=region)
    start = datetime.now(timezone.utc) - timedelta(days=days)
    names = {_ec2_type(t): t for t in instance_types}
    out = []
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
    return out


@dataclass
class PlacementAdvice:
    cheapest: dict[str, Any] | None  # {instance_type, az, price} by mean price
    by_choice: list[dict[str, Any]] = field(
        default_factory=list
    )  # every (type, az), cheapest first
    cheapest_hours_utc: list[int] = field(default_factory=list)
    records: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    """Where (instance type and availability zone) and when spot has been cheapest lately."""
    if not instance_types:
        raise ValueError("placement_advice needs at least one allowed instance type")
    return advise(spot_price_history(instance_types, region=region, days=days, client=client))


def refresh_spot_prices(
    instance_types: list[str] | None = None, *, region: str | None = None, client: Any = None
) -> dict[str, Any]:
    """A copy of the price table with spot prices replaced by the latest cheapest EC2 spot price.

    EC2 spot prices stand in for SageMaker's (which carry a markup), so the result is a lower
    bound; on-demand prices stay as shipped.
    """
    table = json.loads(json.dumps(load_prices()))
    wanted = instance_types or list(table["instances"])
    records = spot_price_history(wanted, region=region, days=1, client=client)
    latest: dict[str, dict[str, tuple[datetime, float]]] = defaultdict(dict)
    for r in records:
        prev = latest[r["instance_type"]].get(r["az"])
        if prev is None or r["time"] > prev[0]:
            latest[r["instance_type"]][r["az"]] = (r["time"], r["price"])
    for itype, by_az in latest.items():
        row = table["instances"].get(itype)
        if row is None:  # no on-demand price to compare against: leave the table alone
            continue
        row["spot"] = min(p for _, p in by_az.values())
        row["spot_source"] = "ec2:describe_spot_price_history"
    table["as_of"] = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    return table
