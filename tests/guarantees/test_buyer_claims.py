"""Buyer-opened claims with rules of their own: damage / dead on arrival (48 hours, a photo,
refund or re-shipment, approved automatically for buyers in good standing within a limit) and
allergy returns (cosmetics only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.orders.models import Order
from shijing.commerce.payments.models import Refund
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import Conflict, InvalidInput
from shijing.guarantees import claims, coverage, funds
from shijing.guarantees.models import Claim
from shijing.ledger import service as ledger
from tests.factories import principal_of
from tests.guarantees.builders import buyer, covered_order, trusted_shop
from tests.guarantees.strict import counts, deliver

PHOTO = ["https://img.example.com/claims/broken-1.jpg"]


def _order(
    session: Session,
    db: Database,
    clock: ManualClock,
    *,
    credit: float = 85.0,
    price: int = 20_000,
    category: str | None = None,
) -> Order:
    main = category.split(".")[0] if category else "apparel.womens"
    shop = trusted_shop(session, clock, main_category=main if category else "apparel.womens")
    return covered_order(
        session,
        db,
        clock,
        shop=shop,
        who=buyer(session, clock, credit=credit),
        price_fen=price,
        category=category,
    )


def _claim(
    session: Session,
    clock: ManualClock,
    order: Order,
    *,
    code: str = "damage_doa",
    remedy: str = "refund",
    evidence: list[str] | None = None,
    amount_fen: int | None = None,
) -> Claim:
    who = session.get(User, order.buyer_id)
    assert who is not None
    return claims.open_claim(
        session,
        clock,
        principal_of(session, who),
        order_id=order.id,
        code=code,
        remedy=remedy,
        description="arrived broken",
        evidence_urls=PHOTO if evidence is None else evidence,
        amount_fen=amount_fen,
    )


def _refunds(session: Session, order_id: int) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.order_id == order_id)))


# -- damage and dead on arrival -----------------------------------------------------------------


def test_damage_within_48_hours_is_approved_automatically_and_refunded(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock)
    clock.advance(timedelta(hours=47, minutes=59))
    claim = _claim(session, clock, order)
    assert claim.status == "approved"
    assert claim.auto_approved
    assert claim.amount_fen == 20_000
    deliver(session, db, clock)
    session.refresh(claim)
    assert claim.status == "paid"
    assert claim.paid_fen == 20_000
    [refund] = _refunds(session, order.id)
    assert refund.amount_fen == 20_000
    assert refund.idempotency_key == f"claim-{claim.id}"
    session.refresh(order)
    assert order.refunded_fen == 20_000
    assert [e.kind for e in claims.history(session, claim.id)] == ["opened", "auto_approve", "pay"]
    assert ledger.check(session).ok


def test_damage_with_a_reshipment_moves_no_money(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock)
    claim = _claim(session, clock, order, remedy="reship")
    assert claim.status == "approved"
    assert claim.amount_fen == 0
    deliver(session, db, clock)
    session.refresh(claim)
    assert claim.status == "paid"
    assert claim.paid_fen == 0
    assert claim.detail["remedy"] == "reship"
    assert _refunds(session, order.id) == []


def test_a_partial_refund_below_the_price(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock)
    claim = _claim(session, clock, order, amount_fen=5_000)
    deliver(session, db, clock)
    session.refresh(claim)
    assert claim.paid_fen == 5_000
    session.refresh(order)
    assert order.refunded_fen == 5_000
    assert order.status == "delivered"


def test_damage_above_the_automatic_limit_waits_for_an_operator(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock, price=50_001)
    claim = _claim(session, clock, order)
    assert claim.status == "under_review"
    assert not claim.auto_approved
    deliver(session, db, clock)
    assert _refunds(session, order.id) == []


def test_damage_at_the_automatic_limit_is_approved(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock, price=50_000)
    assert _claim(session, clock, order).status == "approved"


def test_damage_from_a_buyer_with_low_credit_waits_for_an_operator(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock, credit=59.0)
    claim = _claim(session, clock, order)
    assert claim.status == "under_review"
    assert claim.detail["buyer_credit"] == 59.0
    deliver(session, db, clock)
    assert _refunds(session, order.id) == []


def test_damage_reported_after_48_hours_is_refused(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock)
    clock.advance(timedelta(hours=49))
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _claim(session, clock, order)
    assert refused.value.code == "window_closed"
    assert refused.value.field == "order_id"
    assert counts(session) == before


def test_damage_without_a_photo_is_refused(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock)
    before = counts(session)
    with pytest.raises(InvalidInput) as refused:
        _claim(session, clock, order, evidence=[])
    assert refused.value.code == "evidence_required"
    assert refused.value.field == "evidence_urls"
    assert counts(session) == before


def test_an_amount_above_the_cap_is_refused(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock)
    before = counts(session)
    with pytest.raises(InvalidInput) as refused:
        _claim(session, clock, order, amount_fen=20_001)
    assert refused.value.code == "above_cap"
    assert refused.value.field == "amount_fen"
    assert counts(session) == before


@pytest.mark.parametrize(
    ("remedy", "amount", "field"),
    [
        ("compensate", None, "remedy"),  # damage refunds or reships
        ("repair", None, "remedy"),
        ("refund", -1, "amount_fen"),
    ],
)
def test_bad_remedies_and_amounts_are_refused(
    session: Session,
    db: Database,
    clock: ManualClock,
    remedy: str,
    amount: int | None,
    field: str,
) -> None:
    order = _order(session, db, clock)
    before = counts(session)
    with pytest.raises(InvalidInput) as refused:
        _claim(session, clock, order, remedy=remedy, amount_fen=amount)
    assert refused.value.field == field
    assert counts(session) == before


def test_a_second_damage_claim_is_a_duplicate(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock, credit=50)
    _claim(session, clock, order)
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _claim(session, clock, order, remedy="reship")
    assert refused.value.code == "duplicate_claim"
    assert counts(session) == before


def test_guarantees_that_pay_by_themselves_cannot_be_claimed(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock)
    before = counts(session)
    for code in ("return_postage", "fast_refund", "no_reason_7d"):
        with pytest.raises(InvalidInput) as refused:
            _claim(session, clock, order, code=code)
        assert refused.value.code == "opened_by_event"
    with pytest.raises(InvalidInput) as unknown:
        _claim(session, clock, order, code="free_money")
    assert unknown.value.field == "code"
    assert counts(session) == before


# -- allergy returns ----------------------------------------------------------------------------


def test_an_allergy_to_cosmetics_is_refunded_within_7_days(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock, category="cosmetics", price=15_000)
    assert coverage.promise_for(session, order.id, "allergy_return") is not None
    clock.advance(timedelta(days=7))
    claim = _claim(session, clock, order, code="allergy_return")
    assert claim.status == "approved"
    deliver(session, db, clock)
    session.refresh(claim)
    assert claim.status == "paid"
    assert claim.paid_fen == 15_000
    assert funds.balance(session, funds.FAST_REFUND_FLOAT) == 0
    assert ledger.check(session).ok


def test_an_allergy_claim_after_7_days_is_refused(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock, category="cosmetics")
    clock.advance(timedelta(days=7, minutes=1))
    with pytest.raises(Conflict) as refused:
        _claim(session, clock, order, code="allergy_return")
    assert refused.value.code == "window_closed"


def test_an_allergy_claim_above_the_automatic_limit_is_reviewed(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock, category="cosmetics", price=30_001)
    assert _claim(session, clock, order, code="allergy_return").status == "under_review"


def test_an_allergy_claim_on_apparel_is_not_covered(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock)
    assert coverage.promise_for(session, order.id, "allergy_return") is None
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _claim(session, clock, order, code="allergy_return")
    assert refused.value.code == "not_covered"
    assert refused.value.field == "code"
    assert counts(session) == before


def test_an_order_refunded_in_full_has_nothing_left_to_refund(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _order(session, db, clock, category="cosmetics")
    _claim(session, clock, order, code="allergy_return")
    deliver(session, db, clock)
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _claim(session, clock, order, code="damage_doa")
    assert refused.value.code == "refunded"
    assert counts(session) == before
