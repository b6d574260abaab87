"""Each shop indicator on a hand-computed fixture (DuckDB), and what is excluded from them.

Shop 1, apparel, 10 counted orders o1..o10 placed inside the window, promised pickup in 48 h:
  o1 picked up after 60 h, o2 after 50 h (late); o10 cancelled by the shop; the rest on time.
  Delivery 48 h after pickup, except o2 (24 h).
  Reviews: o3 ★1, o4 ★2, o5 ★5, o6 ★3 count; o7 ★1 hidden and o8 ★1 flagged do not.
  After-sales: o3 quality refunded (quality return), o4 not_as_described rejected (none),
  o5 counterfeit ruled shop's fault (quality return and dispute), o6 quality ruled buyer's fault
  (excluded from everything), o9 no-reason refunded (not quality). Responses 2 h, o4 10 h.
  Complaints: o1 upheld, o2 dismissed.
  o11 is flagged: its ★1 review and upheld complaint are not counted, nor the order itself.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from shijing.facts.engines import FactsEngine
from shijing.trust.definition import Indicator
from tests.trust.builders import T0, FactSet, definition, shop_rows


@pytest.fixture
def fs() -> FactSet:
    fs = FactSet()
    o = {}
    for i in range(1, 12):
        pickup = {1: 60, 2: 50}.get(i, 24)
        o[i] = fs.order(
            shop_id=1,
            placed_at=T0 + timedelta(hours=i),
            pickup_hours=pickup,
            delivery_hours=24 if i == 2 else 48,
            cancelled_by="shop" if i == 10 else None,
        )
    for i, rating in ((3, 1), (4, 2), (5, 5), (6, 3)):
        fs.review(o[i], rating)
    fs.review(o[7], 1, hidden=True)
    fs.flag("review", fs.review(o[8], 1))
    fs.aftersale(o[3], reason="quality", status="refunded")
    fs.aftersale(o[4], reason="not_as_described", status="rejected", response_hours=10)
    fs.aftersale(o[5], reason="counterfeit", status="refunded", fault="shop")
    fs.aftersale(o[6], reason="quality", status="closed", fault="buyer", response_hours=100)
    fs.aftersale(o[9], reason="no_reason_7d", status="refunded")
    fs.complaint(o[1], status="upheld")
    fs.complaint(o[2], status="dismissed")
    fs.review(o[11], 1)
    fs.complaint(o[11], status="upheld")
    fs.flag("order", o[11])
    return fs


EXPECTED = {
    Indicator.NEGATIVE_REVIEW_RATE: (2, 4, 0.5),
    Indicator.QUALITY_RETURN_RATE: (2, 9, 2 / 9),
    Indicator.ON_TIME_PICKUP_RATE: (7, 10, 0.7),
    Indicator.DELIVERY_HOURS: ((8 * 48 + 24) * 3600, 9, (8 * 48 + 24) * 3600 / 9),
    Indicator.COMPLAINT_RATE: (1, 10, 0.1),
    Indicator.DISPUTE_SHOP_FAULT_RATE: (1, 10, 0.1),
    Indicator.AFTERSALE_RESPONSE_HOURS: ((2 + 10 + 2 + 2) * 3600, 4, 4 * 3600),
    Indicator.SHOP_CANCEL_RATE: (1, 10, 0.1),
}


@pytest.mark.parametrize("indicator", list(Indicator))
def test_indicator_by_hand(duck: FactsEngine, fs: FactSet, indicator: Indicator) -> None:
    row = shop_rows(duck, fs)[(1, indicator.value)]
    x, n, raw = EXPECTED[indicator]
    assert (row["x"], row["n"]) == (x, n)
    assert row["raw"] == pytest.approx(raw)
    assert row["orders"] == 10
    assert row["root_category"] == "apparel"


def test_lifted_flag_counts_again(duck: FactsEngine) -> None:
    fs = FactSet()
    order = fs.order(shop_id=1)
    fs.review(order, 1)
    fs.flag("order", order, lifted=True)
    row = shop_rows(duck, fs)[(1, Indicator.NEGATIVE_REVIEW_RATE.value)]
    assert (row["x"], row["n"], row["orders"]) == (1, 1, 1)


def test_facts_after_the_as_of_day_are_not_seen(duck: FactsEngine) -> None:
    """T+1: an order placed on the as-of day itself waits for tomorrow's run."""
    fs = FactSet()
    fs.order(shop_id=1)
    from tests.trust.builders import AS_OF

    late = fs.order(shop_id=1, placed_at=T0.replace(month=11, day=1))
    assert late
    rows = shop_rows(duck, fs, as_of=AS_OF)
    assert rows[(1, Indicator.SHOP_CANCEL_RATE.value)]["orders"] == 1


def test_shrinkage_by_hand(duck: FactsEngine) -> None:
    """Two shops: 4 orders with 2 late, 16 orders all on time. Category pooled rate 18/20.
    With a prior of 10 pseudo-orders: (2 + 10·0.9) / (4 + 10) = 11/14."""
    fs = FactSet()
    for i in range(4):
        fs.order(shop_id=1, pickup_hours=60 if i < 2 else 24, placed_at=T0 + timedelta(hours=i))
    for i in range(16):
        fs.order(shop_id=2, placed_at=T0 + timedelta(hours=i))
    rows = shop_rows(duck, fs, definition(prior_orders=10, min_orders=1))
    small = rows[(1, Indicator.ON_TIME_PICKUP_RATE.value)]
    big = rows[(2, Indicator.ON_TIME_PICKUP_RATE.value)]
    assert small["prior"] == pytest.approx(0.9)
    assert small["shrunk"] == pytest.approx(11 / 14)
    assert big["shrunk"] == pytest.approx((16 + 9) / 26)
    # two eligible peers: the better one is better than 100% of the others, the worse than 0%
    assert (small["better_than"], big["better_than"]) == (0.0, 1.0)
    assert (small["cume"], big["cume"]) == (0.5, 1.0)


def test_below_minimum_volume_is_not_enough_data(duck: FactsEngine) -> None:
    from tests.trust.builders import shop_scores

    fs = FactSet()
    for i in range(29):
        fs.order(shop_id=1, placed_at=T0 + timedelta(hours=i))
    result = shop_scores(duck, fs)[1]
    assert (result.enough_data, result.total, result.band) == (False, None, None)
    assert all(i.points is None for i in result.indicators)
    fs.order(shop_id=1, placed_at=T0 + timedelta(hours=40))
    result = shop_scores(duck, fs)[1]
    assert result.enough_data
    assert result.total == 100.0  # alone among its peers: at least as good as all of them
    assert result.band == "excellent"


def test_deviation_points_and_small_categories_by_hand(duck: FactsEngine) -> None:
    """Three apparel shops late on 0, 3 and 6 of 30 pickups, one fresh shop late on 3 of 30.
    With min_peers 3, apparel is its own peer group and the lone fresh shop is ranked against
    all four. Prior 0 (no shrinkage): apparel on-time rates 1.0, 0.9, 0.8 → mean 0.9, SD 0.1 →
    deviations +1, 0, −1 → points (85 at the average, +15 per 1.5 SD better up to 100, −85
    per 3 SD worse down to 0): 85 + 15·1/1.5 = 95, 85, 85 − 85·1/3 = 56.667"""
    from tests.trust.builders import definition

    fs = FactSet()
    for shop_id, late, category in ((1, 0, "apparel"), (2, 3, "apparel"), (3, 6, "apparel")):
        for i in range(30):
            fs.order(
                shop_id=shop_id,
                category=category,
                placed_at=T0 + timedelta(hours=i),
                pickup_hours=60 if i < late else 24,
            )
    for i in range(30):
        fs.order(
            shop_id=4,
            category="fresh",
            placed_at=T0 + timedelta(hours=i),
            pickup_hours=60 if i < 3 else 24,
        )
    from tests.trust.builders import shop_scores

    d = definition(prior_orders=0, min_peers=3)
    results = shop_scores(duck, fs, d)
    pickup = Indicator.ON_TIME_PICKUP_RATE.value

    def item(shop_id: int) -> object:
        return next(i for i in results[shop_id].indicators if i.indicator == pickup)

    expected = {1: (1.0, 95.0), 2: (0.0, 85.0), 3: (-1.0, 85 - 85 / 3)}
    for shop_id, (deviation, score) in expected.items():
        got = item(shop_id)
        assert got.peer_group == "apparel"  # type: ignore[attr-defined]
        assert got.deviation == pytest.approx(deviation)  # type: ignore[attr-defined]
        assert got.score == pytest.approx(score, abs=1e-3)  # type: ignore[attr-defined]
    fresh = item(4)
    assert fresh.peer_group == "*"  # type: ignore[attr-defined]
    assert fresh.peers == 4  # type: ignore[attr-defined]
    # all four: 1.0, 0.9, 0.8, 0.9 → mean 0.9; the fresh shop stands at the average
    assert fresh.deviation == pytest.approx(0.0)  # type: ignore[attr-defined]
    assert "median shop" in " ".join(results[3].suggestions) or results[3].suggestions
