"""Fast refund (极速退款): a buyer in good standing is refunded when the return is picked up; the
platform fronts the money until the shop confirms receipt, and takes it back from the buyer when
the return never arrives or the ruling goes against the buyer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.accounts.service import Principal
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.orders.models import Order
from shijing.commerce.payments.models import Refund
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.errors import Conflict
from shijing.core.outbox import emit
from shijing.guarantees import claims, coverage, funds, payouts
from shijing.guarantees.models import Claim, ClaimEvent
from shijing.integrity.models import IntegrityFlag
from shijing.ledger import service as ledger
from tests.factories import api_login, deliver_parcel, principal_of
from tests.guarantees.builders import (
    FUND_CAPITAL,
    buyer,
    claims_of,
    covered_order,
    owner_of,
    request_return,
    send_back,
    trusted_shop,
)
from tests.guarantees.builders import (
    operator as operator_user,
)
from tests.guarantees.strict import deliver

PRICE = 20_000


def _refunds(session: Session, order_id: int) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.order_id == order_id)))


def _fast(session: Session, order_id: int) -> Claim:
    [claim] = [c for c in claims_of(session, order_id) if c.code == "fast_refund"]
    return claim


def _picked_up(
    session: Session, db: Database, clock: ManualClock, *, credit: float = 85.0, price: int = PRICE
) -> tuple[Order, AfterSale, str]:
    shop = trusted_shop(session, clock)
    who = buyer(session, clock, credit=credit)
    order = covered_order(session, db, clock, shop=shop, who=who, price_fen=price)
    sale = request_return(session, clock, order)
    tracking = send_back(session, db, clock, sale)
    deliver(session, db, clock)
    return order, sale, tracking


def test_a_buyer_in_good_standing_is_refunded_at_pickup(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, sale, _ = _picked_up(session, db, clock)
    assert coverage.promise_for(session, order.id, "fast_refund") is not None

    claim = _fast(session, order.id)
    assert (claim.status, claim.paid_fen, claim.opened_by) == ("paid", PRICE, "event")
    assert claim.auto_approved
    assert claim.settled_at is None
    assert claim.recover_due_at == clock.now() + timedelta(days=15)
    # The order's money went back through the gateway, under the after-sale's own key.
    [refund] = _refunds(session, order.id)
    assert (refund.amount_fen, refund.idempotency_key) == (PRICE, f"aftersale-{sale.id}")
    session.refresh(order)
    assert order.refunded_fen == PRICE
    assert order.status == "refunded"
    # The fund fronted it: it sits in the float until the shop confirms receipt.
    assert funds.balance(session, funds.FAST_REFUND_FLOAT) == PRICE
    postage = next(c for c in claims_of(session, order.id) if c.code == "return_postage")
    pool_part = 10  # the one premium paid into the pool
    assert funds.balance(session, funds.FUND) == (
        FUND_CAPITAL - PRICE - (postage.paid_fen - pool_part)
    )
    assert ledger.check(session).ok


def test_the_shop_never_sees_the_buyers_credit(
    session: Session, db: Database, clock: ManualClock, client: TestClient
) -> None:
    """The shop sees that a fast refund was made and why (the rule held), never the number:
    not in its claims list, the claim, or the claim's history."""
    order, _, _ = _picked_up(session, db, clock, credit=87.0)
    claim = _fast(session, order.id)
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    session.commit()
    staff = api_login(client, owner_of(session, shop).email)
    seen = [
        client.get(f"/api/v1/shops/{shop.id}/claims", headers=staff),
        client.get(f"/api/v1/guarantees/claims/{claim.id}", headers=staff),
        client.get(f"/api/v1/guarantees/claims/{claim.id}/history", headers=staff),
    ]
    assert [r.status_code for r in seen] == [200, 200, 200]
    for response in seen:  # ids may contain any digits: the word is what must not be there
        assert "credit" not in response.text.lower()
    assert "fast refund" in seen[1].json()["decision_note"]


def _shop_owner(session: Session, order: Order) -> Principal:
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    return principal_of(session, owner_of(session, shop))


def test_receipt_confirmed_settles_the_float_without_a_second_refund(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, sale, tracking = _picked_up(session, db, clock)
    fund_before = funds.balance(session, funds.FUND)
    clock.advance(timedelta(days=2))
    deliver_parcel(session, clock, carrier_code="sf", tracking_no=tracking, kinds=("delivered",))
    deliver(session, db, clock)
    aftersales.receive_return(session, clock, _shop_owner(session, order), sale.id)
    deliver(session, db, clock)

    session.refresh(sale)
    assert sale.status == "refunded"
    assert sale.refunded_fen == PRICE
    [refund] = _refunds(session, order.id)  # the after-sale's refund is the fast refund
    assert refund.idempotency_key == f"aftersale-{sale.id}"
    session.refresh(order)
    assert order.refunded_fen == PRICE
    claim = _fast(session, order.id)
    assert claim.status == "paid"
    assert claim.settled_at == clock.now()
    assert claim.recover_due_at is None
    assert funds.balance(session, funds.FAST_REFUND_FLOAT) == 0
    assert funds.balance(session, funds.FUND) == fund_before + PRICE
    kinds = [
        e.kind
        for e in session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim.id).order_by(ClaimEvent.id)
        )
    ]
    assert kinds == ["opened", "auto_approve", "pay", "settled"]
    # Settling again (the refund event delivered twice) moves nothing.
    payouts.settle_fast_refund(session, clock, aftersale_id=sale.id)
    assert funds.balance(session, funds.FAST_REFUND_FLOAT) == 0
    assert ledger.check(session).ok
    # Nothing left for the recovery step once settled.
    clock.advance(timedelta(days=30))
    assert run_due(db, clock).get("guarantees.recover_fast_refunds", 0) == 0


def test_a_return_that_never_arrives_is_recovered_from_the_buyer(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, _sale, _ = _picked_up(session, db, clock)
    deposit_before = funds.balance(session, funds.deposit(order.shop_id))
    fund_before = funds.balance(session, funds.FUND)

    clock.advance(timedelta(days=14, hours=23))
    assert run_due(db, clock).get("guarantees.recover_fast_refunds", 0) == 0
    session.expire_all()
    assert _fast(session, order.id).status == "paid"

    clock.advance(timedelta(hours=1))
    assert run_due(db, clock).get("guarantees.recover_fast_refunds", 0) == 1
    session.expire_all()
    claim = _fast(session, order.id)
    assert (claim.status, claim.recovered_fen) == ("recovered", PRICE)
    assert claim.recovered_at == clock.now()
    assert claim.recover_due_at is None
    assert funds.balance(session, funds.buyer_receivable(order.buyer_id)) == -PRICE
    assert funds.balance(session, funds.deposit(order.shop_id)) == deposit_before + PRICE
    assert funds.balance(session, funds.FAST_REFUND_FLOAT) == 0
    assert funds.balance(session, funds.FUND) == fund_before + PRICE
    [flag] = session.scalars(
        select(IntegrityFlag).where(
            IntegrityFlag.subject_kind == "buyer", IntegrityFlag.subject_id == order.buyer_id
        )
    )
    assert "did not arrive" in flag.reason
    assert flag.lifted_at is None
    assert ledger.check(session).ok
    # A second run recovers nothing more.
    clock.advance(timedelta(days=1))
    assert run_due(db, clock).get("guarantees.recover_fast_refunds", 0) == 0
    session.expire_all()
    assert funds.balance(session, funds.buyer_receivable(order.buyer_id)) == -PRICE


def test_a_return_delivered_in_time_is_not_recovered(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, _, tracking = _picked_up(session, db, clock)
    clock.advance(timedelta(days=3))
    deliver_parcel(session, clock, carrier_code="sf", tracking_no=tracking, kinds=("delivered",))
    deliver(session, db, clock)
    clock.advance(timedelta(days=13))
    run_due(db, clock)
    deliver(session, db, clock)
    claim = _fast(session, order.id)
    # The shop never confirmed: the after-sale's own receipt deadline received and refunded it,
    # and that settled the fast refund instead of recovering it.
    assert claim.status == "paid"
    assert claim.settled_at is not None
    assert funds.balance(session, funds.buyer_receivable(order.buyer_id)) == 0
    assert funds.balance(session, funds.FAST_REFUND_FLOAT) == 0
    assert len(_refunds(session, order.id)) == 1
    assert ledger.check(session).ok


def _ruled(
    session: Session,
    clock: ManualClock,
    sale: AfterSale,
    order: Order,
    *,
    by: int | None,
    ruling: str,
    fault: str,
    note: str,
) -> None:
    """The ``aftersale.ruled`` event as ``aftersales.rule`` emits it."""
    emit(
        session,
        clock,
        "aftersale.ruled",
        aftersale_id=sale.id,
        order_id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        kind=sale.kind,
        reason=sale.reason,
        status="in_arbitration",
        at=clock.now(),
        by=by,
        ruling=ruling,
        fault=fault,
        note=note,
    )


def _wrong_item_returned(
    session: Session, db: Database, clock: ManualClock
) -> tuple[Order, AfterSale, Principal]:
    """A fast-refunded return reaches the shop, which finds it is not the item sold."""
    order, sale, tracking = _picked_up(session, db, clock)
    deliver_parcel(session, clock, carrier_code="sf", tracking_no=tracking, kinds=("delivered",))
    deliver(session, db, clock)
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    staff = principal_of(session, owner_of(session, shop))
    aftersales.reject(session, clock, staff, sale.id, reason="退回的不是我们售出的那台：序列号不符")
    deliver(session, db, clock)
    return order, sale, staff


def test_a_ruling_that_the_returned_item_was_not_the_one_sold_recovers_the_fast_refund(
    session: Session, db: Database, clock: ManualClock
) -> None:
    """Through the real flows: the shop disputes the returned goods, the buyer takes it to
    arbitration, the operator rules against the buyer."""
    order, sale, _ = _wrong_item_returned(session, db, clock)
    assert _fast(session, order.id).status == "paid"  # a dispute alone recovers nothing
    who = session.get(User, order.buyer_id)
    assert who is not None
    aftersales.escalate(
        session, clock, principal_of(session, who), sale.id, statement="我退的就是原物"
    )
    op = operator_user(session, clock)
    aftersales.rule(
        session,
        clock,
        principal_of(session, op),
        sale.id,
        ruling="close",
        fault="buyer",
        note="the returned phone is not the one sold",
    )
    deliver(session, db, clock)
    claim = _fast(session, order.id)
    assert (claim.status, claim.recovered_fen) == ("recovered", PRICE)
    history = claims.history(session, claim.id)
    assert history[-1].kind == "recover"
    assert history[-1].actor_user_id == op.id
    assert "not the one sold" in history[-1].detail["reason"]
    assert funds.balance(session, funds.buyer_receivable(order.buyer_id)) == -PRICE
    assert funds.balance(session, funds.FAST_REFUND_FLOAT) == 0
    assert ledger.check(session).ok
    # The deadline later finds nothing to recover again.
    clock.advance(timedelta(days=20))
    assert run_due(db, clock).get("guarantees.recover_fast_refunds", 0) == 0


def test_a_dispute_the_buyer_lets_stand_recovers_the_fast_refund(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, _sale, _ = _wrong_item_returned(session, db, clock)
    clock.advance(timedelta(days=30))  # past the escalation window: the after-sale closes
    run_due(db, clock)
    deliver(session, db, clock)
    assert _fast(session, order.id).status == "recovered"
    assert ledger.check(session).ok


def test_a_return_cannot_be_disputed_before_it_arrives(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, sale, _ = _picked_up(session, db, clock)
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    with pytest.raises(Conflict) as refused:
        aftersales.reject(
            session, clock, principal_of(session, owner_of(session, shop)), sale.id, reason="x"
        )
    assert (refused.value.code, refused.value.field) == ("not_arrived", "status")


def test_a_ruling_at_the_shops_fault_recovers_nothing(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, sale, _ = _picked_up(session, db, clock)
    _ruled(session, clock, sale, order, by=None, ruling="refund", fault="shop", note="fine")
    deliver(session, db, clock)
    assert _fast(session, order.id).status == "paid"
    assert funds.balance(session, funds.buyer_receivable(order.buyer_id)) == 0


def test_a_buyer_below_the_credit_threshold_waits_for_the_shop(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, sale, tracking = _picked_up(session, db, clock, credit=69.9)
    assert [c.code for c in claims_of(session, order.id)] == ["return_postage"]
    assert _refunds(session, order.id) == []
    assert funds.balance(session, funds.FAST_REFUND_FLOAT) == 0
    # The normal flow: the shop confirms receipt and the after-sale refunds.
    deliver_parcel(session, clock, carrier_code="sf", tracking_no=tracking, kinds=("delivered",))
    deliver(session, db, clock)
    aftersales.receive_return(session, clock, _shop_owner(session, order), sale.id)
    deliver(session, db, clock)
    [refund] = _refunds(session, order.id)
    assert refund.amount_fen == PRICE
    assert [c.code for c in claims_of(session, order.id)] == ["return_postage"]
    assert ledger.check(session).ok


def test_the_threshold_itself_is_good_standing(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, _, _ = _picked_up(session, db, clock, credit=70.0)
    assert _fast(session, order.id).status == "paid"


def test_an_order_above_the_limit_carries_no_fast_refund(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, _, _ = _picked_up(session, db, clock, price=200_001)
    assert coverage.promise_for(session, order.id, "fast_refund") is None
    assert [c.code for c in claims_of(session, order.id)] == ["return_postage"]
    assert _refunds(session, order.id) == []


def test_an_order_at_the_limit_is_fast_refunded(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, _, _ = _picked_up(session, db, clock, price=200_000)
    assert _fast(session, order.id).paid_fen == 200_000


def test_the_same_pickup_twice_refunds_once(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, sale, _ = _picked_up(session, db, clock)
    assert claims.on_return_picked_up(session, clock, aftersale_id=sale.id, at=clock.now()) == []
    deliver(session, db, clock)
    assert len(_refunds(session, order.id)) == 1
    assert funds.balance(session, funds.FAST_REFUND_FLOAT) == PRICE


def test_a_shop_refund_between_approval_and_payment_fronts_nothing(
    session: Session, db: Database, clock: ManualClock
) -> None:
    """The claim is approved at pickup, but the shop confirms receipt (and refunds) before the
    payout runs: the payout must not front money that nothing would ever settle."""
    shop = trusted_shop(session, clock)
    who = buyer(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=who)
    sale = request_return(session, clock, order)
    aftersales.ship_return(
        session,
        clock,
        principal_of(session, who),
        sale.id,
        carrier_code="sf",
        tracking_no="SFRACE000001",
    )
    opened = claims.on_return_picked_up(session, clock, aftersale_id=sale.id, at=clock.now())
    [fast] = [c for c in opened if c.code == "fast_refund"]
    assert fast.status == "approved"
    aftersales.receive_return(session, clock, _shop_owner(session, order), sale.id)
    payouts.pay(session, clock, fast.id)
    assert fast.status == "paid"
    assert fast.paid_fen == 0
    assert fast.detail["refunded_by_aftersale"] is True
    deliver(session, db, clock)
    assert len(_refunds(session, order.id)) == 1
    assert funds.balance(session, funds.FAST_REFUND_FLOAT) == 0
    clock.advance(timedelta(days=20))
    assert run_due(db, clock).get("guarantees.recover_fast_refunds", 0) == 0
    assert ledger.check(session).ok


def test_a_return_that_arrives_after_its_recovery_clears_the_buyers_debt(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order, sale, tracking = _picked_up(session, db, clock)
    deposit_before = funds.balance(session, funds.deposit(order.shop_id))
    clock.advance(timedelta(days=15, hours=1))
    run_due(db, clock)
    session.expire_all()
    assert _fast(session, order.id).status == "recovered"
    # The parcel turns up late and the shop confirms it: nothing is refunded a second time,
    # the buyer owes nothing, the shop gives back what made it whole, the flag is lifted.
    deliver_parcel(session, clock, carrier_code="sf", tracking_no=tracking, kinds=("delivered",))
    deliver(session, db, clock)
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    aftersales.receive_return(
        session, clock, principal_of(session, owner_of(session, shop)), sale.id
    )
    deliver(session, db, clock)
    session.expire_all()
    claim = _fast(session, order.id)
    assert claim.status == "recovered"
    assert claim.settled_at is not None
    assert len(_refunds(session, order.id)) == 1
    assert funds.balance(session, funds.buyer_receivable(order.buyer_id)) == 0
    assert funds.balance(session, funds.deposit(order.shop_id)) == deposit_before
    flags = list(
        session.scalars(
            select(IntegrityFlag).where(
                IntegrityFlag.subject_kind == "buyer", IntegrityFlag.subject_id == order.buyer_id
            )
        )
    )
    assert [f.lifted_at is not None for f in flags] == [True]
    assert ledger.check(session).ok
