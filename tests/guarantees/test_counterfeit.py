"""Counterfeit pays tenfold (假一赔十): an operator's ruling (or an approved buyer claim) takes the
badge at once and pays ten times the price from the shop's deposit, the fund fronting what the
deposit lacks; the shop then owes it and is suspended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.orders.models import Order
from shijing.commerce.payments.models import Refund
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.guarantees import claims, coverage, enrolment, funds
from shijing.guarantees.deposits import DEBT_SUSPENSION
from shijing.ledger import service as ledger
from tests.factories import make_shop, principal_of
from tests.guarantees.builders import (
    buyer,
    claims_of,
    covered_order,
    operator,
    owner_of,
    trusted_shop,
)
from tests.guarantees.strict import counts, deliver

PRICE = 20_000
APPRAISAL = ["https://img.example.com/appraisal/ncgtc-2026-001.pdf"]


def _shop_of(session: Session, order: Order) -> Shop:
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    return shop


def _buyer_of(session: Session, order: Order) -> User:
    who = session.get(User, order.buyer_id)
    assert who is not None
    return who


def _refunds(session: Session, order_id: int) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.order_id == order_id)))


def _ruled_counterfeit(
    session: Session, db: Database, clock: ManualClock, order: Order, *, fault: str = "shop"
) -> AfterSale:
    """The buyer asks for a refund (counterfeit, with the appraisal), the shop refuses, the
    buyer escalates and an operator rules."""
    who = principal_of(session, _buyer_of(session, order))
    sale = aftersales.open_aftersale(
        session,
        clock,
        who,
        order_id=order.id,
        kind="refund_only",
        reason="counterfeit",
        description="the appraisal says it is fake",
        evidence_urls=APPRAISAL,
        amount_fen=None,
    )
    shop_owner = principal_of(session, owner_of(session, _shop_of(session, order)))
    aftersales.reject(session, clock, shop_owner, sale.id, reason="it is genuine")
    aftersales.escalate(session, clock, who, sale.id, statement="see the appraisal")
    op = operator(session, clock)
    aftersales.rule(
        session,
        clock,
        principal_of(session, op),
        sale.id,
        ruling="refund",
        fault=fault,
        note="the appraisal shows a counterfeit",
    )
    deliver(session, db, clock)
    return sale


def test_a_counterfeit_ruling_revokes_the_badge_and_pays_tenfold_from_the_deposit(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock, deposit_fen=500_000)
    order = covered_order(session, db, clock, shop=shop, who=buyer(session, clock))
    deposit_before = funds.balance(session, funds.deposit(shop.id))
    assert enrolment.holds_badge(session, shop.id)

    sale = _ruled_counterfeit(session, db, clock, order)

    assert not enrolment.holds_badge(session, shop.id)
    latest = enrolment.history(session, shop.id)[0]
    assert latest.kind == "revoked"
    assert f"after-sale {sale.id}" in latest.reason
    [claim] = claims_of(session, order.id)
    assert (claim.code, claim.status, claim.opened_by) == ("counterfeit_10x", "paid", "event")
    assert claim.paid_fen == 10 * PRICE
    assert claim.evidence_urls == APPRAISAL
    assert claim.detail["from_deposit_fen"] == 10 * PRICE
    assert claim.detail["fronted_by_fund_fen"] == 0
    assert funds.balance(session, funds.deposit(shop.id)) == deposit_before - 10 * PRICE
    assert funds.owed_by_shop(session, shop.id) == 0
    # The price itself went back through the after-sale's refund, once.
    [refund] = _refunds(session, order.id)
    assert refund.amount_fen == PRICE
    session.refresh(shop)
    assert shop.status == "active"
    assert ledger.check(session).ok


def test_a_short_deposit_is_fronted_by_the_fund_and_the_shop_suspended(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock, deposit_fen=200_000)
    price = 50_000  # tenfold is ¥5,000, the deposit ¥2,000 less the premium
    order = covered_order(session, db, clock, shop=shop, who=buyer(session, clock), price_fen=price)
    deposit_before = funds.balance(session, funds.deposit(shop.id))
    fund_before = funds.balance(session, funds.FUND)

    _ruled_counterfeit(session, db, clock, order)

    [claim] = claims_of(session, order.id)
    assert claim.status == "paid"
    assert claim.paid_fen == 10 * price
    shortfall = 10 * price - deposit_before
    assert claim.detail["from_deposit_fen"] == deposit_before
    assert claim.detail["fronted_by_fund_fen"] == shortfall
    assert funds.balance(session, funds.deposit(shop.id)) == 0
    assert funds.balance(session, funds.receivable(shop.id)) == -shortfall
    assert funds.owed_by_shop(session, shop.id) == shortfall
    assert funds.balance(session, funds.SHOP_RECEIVABLES) == shortfall
    assert funds.balance(session, funds.FUND) == fund_before - shortfall
    session.refresh(shop)
    assert shop.status == "suspended"
    assert shop.status_reason == DEBT_SUSPENSION
    assert ledger.check(session).ok


def test_a_ruling_at_the_buyers_fault_pays_nothing(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=buyer(session, clock))
    _ruled_counterfeit(session, db, clock, order, fault="buyer")
    assert claims_of(session, order.id) == []
    assert enrolment.holds_badge(session, shop.id)


def test_the_ruling_delivered_twice_pays_once(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=buyer(session, clock))
    sale = _ruled_counterfeit(session, db, clock, order)
    again = claims.on_counterfeit_ruling(
        session, clock, aftersale_id=sale.id, operator_id=None, note="again"
    )
    assert again is None
    deliver(session, db, clock)
    assert len(claims_of(session, order.id)) == 1
    assert len([e for e in enrolment.history(session, shop.id) if e.kind == "revoked"]) == 1


# -- opened by the buyer ------------------------------------------------------------------------


def _open(
    session: Session,
    clock: ManualClock,
    order: Order,
    *,
    who: User | None = None,
    evidence: list[str] | None = None,
    code: str = "counterfeit_10x",
) -> claims.Claim:
    return claims.open_claim(
        session,
        clock,
        principal_of(session, who or _buyer_of(session, order)),
        order_id=order.id,
        code=code,
        remedy="compensate",
        description="the appraisal says it is fake",
        evidence_urls=APPRAISAL if evidence is None else evidence,
    )


def test_a_buyer_claim_goes_to_review_and_approval_pays_price_and_tenfold(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=buyer(session, clock))
    deposit_before = funds.balance(session, funds.deposit(shop.id))
    claim = _open(session, clock, order)
    assert claim.status == "under_review"
    assert (claim.amount_fen, claim.cap_fen) == (10 * PRICE, 10 * PRICE)
    assert claim.evidence_urls == APPRAISAL
    assert enrolment.holds_badge(session, shop.id)  # not until an operator rules
    deliver(session, db, clock)

    op = operator(session, clock)
    claims.approve(
        session, clock, principal_of(session, op), claim.id, note="appraisal: counterfeit"
    )
    assert not enrolment.holds_badge(session, shop.id)
    deliver(session, db, clock)

    session.refresh(claim)
    assert claim.status == "paid"
    assert claim.decided_by == op.id
    assert claim.decision_note == "appraisal: counterfeit"
    assert claim.paid_fen == 10 * PRICE
    assert claim.detail["price_refunded_fen"] == PRICE
    [refund] = _refunds(session, order.id)
    assert refund.amount_fen == PRICE
    assert funds.balance(session, funds.deposit(shop.id)) == deposit_before - 10 * PRICE
    kinds = [e.kind for e in claims.history(session, claim.id)]
    assert kinds == ["opened", "review", "approve", "pay"]
    assert ledger.check(session).ok


def test_a_buyer_claim_rejected_records_the_note_and_pays_nothing(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=buyer(session, clock))
    claim = _open(session, clock, order)
    op = operator(session, clock)
    ledger_before = counts(session)["ledger"]
    claims.reject(session, clock, principal_of(session, op), claim.id, note="appraisal forged")
    deliver(session, db, clock)
    session.refresh(claim)
    assert claim.status == "rejected"
    assert (claim.decided_by, claim.decision_note) == (op.id, "appraisal forged")
    assert claim.paid_fen == 0
    assert counts(session)["ledger"] == ledger_before
    assert _refunds(session, order.id) == []
    assert enrolment.holds_badge(session, shop.id)
    # Decided once: neither a second rejection nor an approval.
    with pytest.raises(Conflict):
        claims.approve(session, clock, principal_of(session, op), claim.id, note="changed my mind")


@pytest.mark.parametrize("evidence", [[], ["   "], ["ftp://x.example.com/a.pdf"]])
def test_a_claim_without_the_appraisal_is_refused(
    session: Session, db: Database, clock: ManualClock, evidence: list[str]
) -> None:
    order = covered_order(
        session, db, clock, shop=trusted_shop(session, clock), who=buyer(session, clock)
    )
    before = counts(session)
    with pytest.raises(InvalidInput) as refused:
        _open(session, clock, order, evidence=evidence)
    assert refused.value.field is not None
    assert refused.value.field.startswith("evidence_urls")
    assert counts(session) == before


def test_a_second_claim_for_the_same_order_is_a_duplicate(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = covered_order(
        session, db, clock, shop=trusted_shop(session, clock), who=buyer(session, clock)
    )
    _open(session, clock, order)
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _open(session, clock, order)
    assert refused.value.code == "duplicate_claim"
    assert counts(session) == before


def test_a_claim_after_the_window_is_refused(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = covered_order(
        session, db, clock, shop=trusted_shop(session, clock), who=buyer(session, clock)
    )
    clock.advance(timedelta(days=90, seconds=1))
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _open(session, clock, order)
    assert refused.value.code == "window_closed"
    assert counts(session) == before


def test_a_claim_on_the_last_day_of_the_window_is_accepted(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = covered_order(
        session, db, clock, shop=trusted_shop(session, clock), who=buyer(session, clock)
    )
    clock.advance(timedelta(days=90))
    assert _open(session, clock, order).status == "under_review"


def test_an_order_of_a_shop_without_the_badge_is_not_covered(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = covered_order(
        session, db, clock, shop=make_shop(session, clock), who=buyer(session, clock)
    )
    assert coverage.promise_for(session, order.id, "counterfeit_10x") is None
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _open(session, clock, order)
    assert refused.value.code == "not_covered"
    assert counts(session) == before


def test_someone_elses_order_is_not_found(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = covered_order(
        session, db, clock, shop=trusted_shop(session, clock), who=buyer(session, clock)
    )
    stranger = buyer(session, clock)
    shop_owner = owner_of(session, _shop_of(session, order))
    op = operator(session, clock)
    before = counts(session)
    for who in (stranger, shop_owner, op):
        with pytest.raises(NotFound) as refused:
            _open(session, clock, order, who=who)
        assert refused.value.field == "order_id"
    assert counts(session) == before
