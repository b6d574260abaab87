"""The creator word-of-mouth score and the buyer credit, each on a hand-computed fixture (DuckDB),
with what is excluded from them.

Creator 5 sells (as of 2026-11-01 00:00 UTC, weekly decay 0.9, weeks counted down from then):
  o1 ¥100, 4 d 16 h before, ★5             → weight 10000 × 0.9⁰ = 10000, value 1
  o2 ¥200, 11 d 16 h before, ★2 (bad)      → weight 20000 × 0.9¹ = 18000, value 0
  o3 ¥100, 18 d 16 h before, not reviewed  → weight 10000 × 0.9² =  8100, value 0.9
  o4 ¥100, 25 d 16 h before, ★4            → weight 10000 × 0.9³ =  7290, value 0.75
  o5 ¥50, 12 d 16 h before, quality return → weight  5000 × 0.9¹ =  4500, value 0
  o6 ¥100, 5 d 16 h before, upheld complaint against the creator → 10000, value 0
  o7 ¥100, 11 d 16 h before, quality after-sale ruled the buyer's fault (excused), not
     reviewed                               → weight 10000 × 0.9¹ =  9000, value 0.9
  not counted: o8 flagged (★1), o9 cancelled by the buyer (no outcome yet).
  Σ weight 66890; Σ weight × value = 10000 + 7290 + 5467.5 + 8100 = 30857.5;
  outcome 0.461316…, score 3 + 2 × outcome = 3.922631…, shown as 3.9; 7 orders, 3 bad.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shijing.facts.engines import FactsEngine
from shijing.trust.definition import ScoreDefinition
from shijing.trust.pipeline import buyer_aggregates, creator_outcomes, creator_shops, instant
from shijing.trust.scoring import buyer_results, creator_results
from tests.trust.builders import AS_OF, FactSet

END = datetime(2026, 11, 1, tzinfo=UTC)


def _before_end(days: int) -> datetime:
    return END - timedelta(days=days, hours=16)


def _creator_fixture() -> FactSet:
    fs = FactSet()

    def sold(days: int, total: int = 10_000, **kw: Any) -> int:
        return fs.order(shop_id=1, creator_id=5, placed_at=_before_end(days), total_fen=total, **kw)

    fs.review(sold(4), 5)
    fs.review(sold(11, 20_000), 2)
    sold(18)
    fs.review(sold(25), 4)
    fs.aftersale(sold(12, 5_000), reason="quality", status="refunded")
    fs.complaint(sold(5), target="creator")
    fs.aftersale(sold(11), reason="quality", status="closed", fault="buyer", refunded_fen=0)
    flagged = sold(4)
    fs.review(flagged, 1)
    fs.flag("order", flagged)
    sold(6, cancelled_by="buyer")
    return fs


def _creator(duck: FactsEngine, fs: FactSet, min_orders: int = 5) -> Any:
    d = ScoreDefinition.model_validate({"creator": {"min_orders": min_orders}})
    rows = duck.collect(creator_outcomes(fs.facts(duck), AS_OF, d.creator))
    return creator_results(rows, d.creator)[5]


def test_creator_score_by_hand(duck: FactsEngine) -> None:
    result = _creator(duck, _creator_fixture())
    assert (result.orders, result.bad_orders, result.enough_data) == (7, 3, True)
    outcome = 30857.5 / 66890
    assert result.outcome == pytest.approx(outcome, abs=1e-9)
    assert result.score == pytest.approx(3 + 2 * outcome, abs=1e-6)
    assert round(result.score, 1) == 3.9
    assert result.conduct_deduction == 0.0


def test_the_creator_sees_why_orders_went_badly_and_whose_goods(duck: FactsEngine) -> None:
    """Per reason: how many, the share of orders, and what it cost the score (2 points on the
    3–5 scale times the reason's share of the weight); the peers here are the creator alone, and
    a second creator with ten good orders."""
    fs = _creator_fixture()
    for days in range(5, 15):
        fs.review(fs.order(shop_id=2, creator_id=6, placed_at=_before_end(days)), 5)
    d = ScoreDefinition.model_validate({"creator": {"min_orders": 5}})
    facts = fs.facts(duck)
    results = creator_results(
        duck.collect(creator_outcomes(facts, AS_OF, d.creator)),
        d.creator,
        shop_rows=duck.collect(creator_shops(facts, AS_OF, d.creator)),
    )
    mine = {o["reason"]: o for o in results[5].outcomes}
    assert {k: (v["count"], v["rate"]) for k, v in mine.items()} == {
        "negative_review": (1, round(1 / 7, 6)),
        "quality_return": (1, round(1 / 7, 6)),
        "complaint": (1, round(1 / 7, 6)),
        "shop_cancel": (0, 0.0),
    }
    assert mine["negative_review"]["costs"] == pytest.approx(2 * 18_000 / 66_890, abs=1e-4)
    assert mine["complaint"]["costs"] == pytest.approx(2 * 10_000 / 66_890, abs=1e-4)
    assert mine["quality_return"]["costs"] == pytest.approx(2 * 4_500 / 66_890, abs=1e-4)
    # two creators: the median rate is halfway between 1/7 and 0; nobody does worse than 5
    assert mine["negative_review"]["peer_median"] == pytest.approx(1 / 14, abs=1e-6)
    assert mine["negative_review"]["better_than"] == 0.0
    assert {o["reason"]: o["better_than"] for o in results[6].outcomes}["complaint"] == 0.5
    assert results[5].worst_shop == {"shop_id": 1, "bad_orders": 3, "orders": 7}
    assert results[5].suggestions == [
        "14.3% of the orders you sold got a 1–2 star review; the median creator's is 7.1%.",
        "14.3% of the orders you sold ended in an upheld complaint; the median creator's is 7.1%.",
        "3 of your 3 bad orders came from shop 1: check what you sell for it.",
    ]
    assert results[6].suggestions == []  # nothing went badly
    assert results[6].worst_shop is None


def test_creator_below_minimum_volume_is_not_shown(duck: FactsEngine) -> None:
    result = _creator(duck, _creator_fixture(), min_orders=8)  # 7 counted orders
    assert (result.enough_data, result.score) == (False, None)
    assert result.outcome == pytest.approx(30857.5 / 66890, abs=1e-9)


def test_a_recent_bad_order_costs_more_than_an_old_one(duck: FactsEngine) -> None:
    def score(bad_days_ago: int) -> float:
        fs = FactSet()
        for days in (5, 20, 40, 60):
            fs.review(fs.order(shop_id=1, creator_id=5, placed_at=_before_end(days)), 5)
        fs.review(fs.order(shop_id=1, creator_id=5, placed_at=_before_end(bad_days_ago)), 1)
        result = _creator(duck, fs)
        assert result.score is not None
        return float(result.score)

    assert score(6) < score(30) < score(80)


# -- buyer credit --------------------------------------------------------------------------------
#
# Buyer 7 (registered 2025-01-01: a full 10 points of account age), apparel, in the 365 days:
#   o1 completed · o2 completed, refunded (a return) · o3 completed, refunded but ruled the
#   carrier's fault (not the buyer's return) · o4 completed, after-sale ruled the buyer's fault
#   (buyer fault, not also a rejected claim) · o5 completed, after-sale rejected · o6 flagged,
#   completed and refunded (counts only as a flag) · o7 delivered, not completed, 2 failed
#   payments.
# Buyer 8: 10 completed apparel orders, one refunded.
# Norm for apparel: 2 returns (o2, buyer 8's) over 16 counted paid orders = 0.125; buyer 7's 6
# counted orders make 0.75 expected returns. Credit: 60 base + 10 age + 20 × 5/20 completed
# − (1 + 2)/(0.75 + 2) − 1 = 0.0909 × 10 = 0.91 for returns − 15 buyer fault − 5 rejected
# − 2 × 2 failed payments − 30 for the flag = 20.09: "low".


def _buyer_fixture() -> FactSet:
    fs = FactSet()

    def bought(buyer: int, hour: int, **kw: Any) -> int:
        return fs.order(
            shop_id=1, buyer_id=buyer, placed_at=_before_end(30) + timedelta(hours=hour), **kw
        )

    bought(7, 1)
    fs.aftersale(bought(7, 2), reason="size", status="refunded")
    fs.aftersale(bought(7, 3), reason="damaged_in_transit", status="refunded", fault="carrier")
    fs.aftersale(bought(7, 4), reason="quality", status="closed", fault="buyer", refunded_fen=0)
    fs.aftersale(bought(7, 5), reason="quality", status="rejected", refunded_fen=0)
    flagged = bought(7, 6)
    fs.aftersale(flagged, reason="size", status="refunded")
    fs.flag("order", flagged)
    bought(7, 7, completed=False, payment_failures=2)
    for hour in range(10):
        order = bought(8, 20 + hour)
        if hour == 0:
            fs.aftersale(order, reason="size", status="refunded")
    return fs


def test_buyer_credit_by_hand(duck: FactsEngine) -> None:
    d = ScoreDefinition()
    rows = duck.collect(buyer_aggregates(_buyer_fixture().facts(duck), AS_OF, d.buyer))
    by_buyer = {r["buyer_id"]: r for r in rows}
    seven = by_buyer[7]
    assert {k: seven[k] for k in ("paid_orders", "completed", "returns")} == {
        "paid_orders": 6,
        "completed": 5,
        "returns": 1,
    }
    assert seven["expected_returns"] == pytest.approx(0.75)
    assert (seven["buyer_fault"], seven["rejected"], seven["failed_payments"]) == (1, 1, 2)
    assert seven["flags"] == 1
    for row in rows:
        row["registered_at"] = row["registered_at"].replace(tzinfo=UTC)
    credit = buyer_results(rows, instant(AS_OF), d.buyer)
    points = {r["code"]: r["points"] for r in credit[7].reasons}
    assert points == {
        "base": 60,
        "account_age": 10.0,
        "completed_orders": 5.0,
        "returns": -0.91,
        "buyer_fault": -15,
        "rejected_claims": -5,
        "failed_payments": -4,
        "integrity_flags": -30,
    }
    assert (credit[7].score, credit[7].level) == (20.09, "low")
    # what to do about it: the two reasons that cost the most
    assert {r["code"]: r["tip"] for r in credit[7].reasons if r.get("tip")} == {
        "integrity_flags": 1,
        "buyer_fault": 2,
    }
    # buyer 8: 10 completed of 20 for full points, one return where 1.25 are normal
    eight = {r["code"]: r["points"] for r in credit[8].reasons}
    assert (eight["completed_orders"], eight["returns"]) == (10.0, 0)
    assert credit[8].score == 80.0
    assert {r["code"]: r["tip"] for r in credit[8].reasons if r.get("tip")} == {
        "completed_orders": 1
    }
