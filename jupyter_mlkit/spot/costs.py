"""Prices, billable seconds and savings (SageMaker's formula); placement advice lives in
:mod:`.placement` and is re-exported here."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from typing import Any

from .placement import (  # noqa: F401 - re-exported: costs.placement_advice is public
    NoPriceHistory,
    PlacementAdvice,
    PriceHistoryUnavailable,
    advise,
    placement_advice,
    spot_price_history,
)

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
