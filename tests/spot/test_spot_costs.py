"""Price table, SageMaker's savings formula, and placement advice from spot price history."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jupyter_mlkit.spot import load_prices, placement_advice, savings_pct, summarise
from jupyter_mlkit.spot.costs import advise, prices_for, refresh_spot_prices


def test_price_table_states_its_source_and_has_common_types():
    table = load_prices()
    assert "Estimates" in table["source"] and table["as_of"] and table["currency"] == "USD"
    for itype in ("ml.m5.xlarge", "ml.g5.xlarge", "ml.p3.2xlarge", "ml.g4dn.xlarge"):
        row = table["instances"][itype]
        assert 0 < row["spot"] < row["on_demand"]


def test_savings_formula_matches_sagemaker_examples():
    assert savings_pct(100, 500) == pytest.approx(80.0)  # the docs' example
    assert savings_pct(262, 874) == pytest.approx(70.02, abs=0.01)  # an SDK log: "70%"
    assert savings_pct(0, 0) == 0.0


def test_summary_of_mixed_spot_and_on_demand_seconds():
    # ml.p3.2xlarge: on-demand 3.825 $/h, spot 1.1475 $/h (ratio 0.3)
    s = summarise("ml.p3.2xlarge", spot_s=3600, on_demand_s=1800)
    assert s.training_s == 5400
    assert s.billable_s == pytest.approx(3600 * 0.3 + 1800)  # 2880
    assert s.savings_pct == pytest.approx((1 - 2880 / 5400) * 100)  # 46.67
    assert s.cost_usd == pytest.approx(1.1475 + 3.825 / 2)
    assert s.on_demand_cost_usd == pytest.approx(3.825 * 1.5)
    assert s.price_known
    od, spot, known = prices_for("ml.unknown.9xlarge")
    assert not known and spot / od == pytest.approx(0.3)


def test_advice_picks_cheapest_zone_and_hours():
    t = datetime(2026, 11, 1, tzinfo=timezone.utc)
    recs = [
        {
            "instance_type": "ml.g5.xlarge",
            "az": "us-east-1a",
            "price": 0.50,
            "time": t.replace(hour=3),
        },
        {
            "instance_type": "ml.g5.xlarge",
            "az": "us-east-1a",
            "price": 0.30,
            "time": t.replace(hour=4),
        },
        {
            "instance_type": "ml.g5.xlarge",
            "az": "us-east-1b",
            "price": 0.35,
            "time": t.replace(hour=3),
        },
        {
            "instance_type": "ml.g4dn.xlarge",
            "az": "us-east-1c",
            "price": 0.45,
            "time": t.replace(hour=5),
        },
    ]
    a = advise(recs, top_hours=2)
    # means: g5/1a 0.40, g5/1b 0.35, g4dn/1c 0.45
    assert (a.cheapest["instance_type"], a.cheapest["az"]) == ("ml.g5.xlarge", "us-east-1b")
    assert [c["mean_price"] for c in a.by_choice] == pytest.approx([0.35, 0.40, 0.45])
    # hour means: 3 -> 0.425, 4 -> 0.30, 5 -> 0.45
    assert a.cheapest_hours_utc == [4, 3]
    assert advise([]).cheapest is None


@pytest.mark.aws
def test_placement_advice_from_moto_spot_price_history(aws):
    a = placement_advice(["ml.g5.xlarge", "ml.m5.xlarge"], region="us-east-1")
    # moto answers one price per (type, zone), the same everywhere; ties break by name
    assert a.records > 0 and len(a.by_choice) == a.records
    assert {c["instance_type"] for c in a.by_choice} == {"ml.g5.xlarge", "ml.m5.xlarge"}
    assert a.cheapest["instance_type"] == "ml.g5.xlarge"
    assert a.cheapest["az"] == min(c["az"] for c in a.by_choice)
    with pytest.raises(ValueError, match="at least one allowed instance type"):
        placement_advice([])


@pytest.mark.aws
def test_refresh_replaces_spot_prices_for_known_types(aws):
    table = refresh_spot_prices(["ml.g5.xlarge"], region="us-east-1")
    row = table["instances"]["ml.g5.xlarge"]
    assert row["spot_source"] == "ec2:describe_spot_price_history"
    assert row["spot"] == pytest.approx(0.00001)  # moto's fixed price
    assert load_prices()["instances"]["ml.g5.xlarge"]["spot"] == 0.4224  # shipped copy untouched
