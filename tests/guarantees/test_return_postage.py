"""Return-shipping compensation: insurance paid by the shop's premium into a pool, paid back to
the buyer by distance class once the carrier picks up the return."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.guarantees import catalogue, claims, coverage, funds
from shijing.guarantees.catalogue import Compensation
from shijing.ledger import service as ledger
from tests.factories import make_shop
from tests.guarantees.builders import (
    buyer,
    claims_of,
    covered_order,
    request_return,
    send_back,
    trusted_shop,
)


def _rule(session: Session, clock: ManualClock) -> Compensation:
    _, body = catalogue.in_force(session, clock)
    found = body.get("return_postage")
    assert found is not None
    return found.compensation


@pytest.mark.parametrize(
    ("buyer_province", "shop_province", "fen"),
    [
        ("浙江", "浙江", 800),  # same province
        ("江苏", "浙江", 1000),  # same region (华东)
        ("广东", "浙江", 1200),  # far
        ("新疆", "浙江", 2500),  # remote
        ("浙江", "西藏", 2500),  # remote shop address
    ],
)
def test_postage_by_distance_class_never_above_the_cap(
    session: Session, clock: ManualClock, buyer_province: str, shop_province: str, fen: int
) -> None:
    rule = _rule(session, clock)
    assert claims.postage_fen(rule, buyer_province, shop_province) == fen
    assert fen <= (rule.cap_fen or 0) == 2500


def test_return_picked_up_pays_the_postage_from_the_pool(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)  # return address 浙江; buyers ship from 江苏
    who = buyer(session, clock, credit=50)  # below the fast-refund threshold
    order = covered_order(session, db, clock, shop=shop, who=who)
    codes = {p.code for p in coverage.promises_of(session, order.id)}
    assert {"return_postage", "no_reason_7d", "counterfeit_10x", "damage_doa"} <= codes
    premium = coverage.promise_for(session, order.id, "return_postage")
    assert premium is not None
    assert premium.premium_charged
    assert premium.premium_fen == 10
    assert funds.balance(session, funds.PREMIUM_POOL) == 10

    sale = request_return(session, clock, order)
    send_back(session, db, clock, sale)

    [claim] = claims_of(session, order.id)
    assert (claim.code, claim.status, claim.paid_fen) == ("return_postage", "paid", 1000)
    assert claim.auto_approved
    assert claim.opened_by == "event"
    # The pool had 10 fen; the fund covered the other 990, and the buyer's payable went out.
    assert funds.balance(session, funds.PREMIUM_POOL) == 0
    assert funds.balance(session, funds.buyer_payable(who.id)) == 0
    assert ledger.check(session).ok


def test_a_shop_without_the_badge_promises_no_postage(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = make_shop(session, clock)
    who = buyer(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=who)
    assert [p.code for p in coverage.promises_of(session, order.id)] == ["no_reason_7d"]
    sale = request_return(session, clock, order)
    send_back(session, db, clock, sale)
    assert claims_of(session, order.id) == []


def test_the_same_pickup_reported_twice_pays_once(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    who = buyer(session, clock, credit=50)
    order = covered_order(session, db, clock, shop=shop, who=who)
    sale = request_return(session, clock, order)
    send_back(session, db, clock, sale)
    from datetime import UTC, datetime

    again = claims.on_return_picked_up(
        session, clock, aftersale_id=sale.id, at=datetime(2026, 11, 29, tzinfo=UTC)
    )
    assert again == []
    assert len(claims_of(session, order.id)) == 1
