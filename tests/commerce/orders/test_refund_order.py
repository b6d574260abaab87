"""``refund_order``, the service after-sales builds on: partial and full refunds through the
gateway, never more than paid minus refunded, idempotent by key."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.orders import service
from shijing.commerce.payments.models import GatewayCharge, Payment, Refund
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from tests.commerce.orders.support import (
    books,
    count,
    events,
    fresh_order,
    kinds,
    listing,
    pay_service,
    place_service,
)
from tests.factories import make_user


def _paid(session: Session, clock: ManualClock, price_fen: int = 10_000) -> int:
    item = listing(session, clock, price_fen=price_fen)
    buyer = make_user(session, clock)
    order = place_service(session, clock, buyer, item.sku.id)
    pay_service(session, clock, buyer, order)
    return order.id


def test_partial_then_full_refund_moves_the_order_to_refunded(
    session: Session, clock: ManualClock
) -> None:
    order_id = _paid(session, clock)
    first = service.refund_order(
        session,
        clock,
        order_id=order_id,
        amount_fen=3_000,
        reason="damaged",
        aftersale_id=7,
        idempotency_key="as-7",
    )
    assert (first.amount_fen, first.aftersale_id, first.reason) == (3_000, 7, "damaged")
    order = fresh_order(session, order_id)
    assert (order.status, order.refunded_fen) == ("paid", 3_000)
    with pytest.raises(InvalidInput) as info:
        service.refund_order(
            session,
            clock,
            order_id=order_id,
            amount_fen=7_001,
            reason="return",
            idempotency_key="as-8",
        )
    assert info.value.field == "amount_fen"
    second = service.refund_order(
        session, clock, order_id=order_id, amount_fen=7_000, reason="return", idempotency_key="as-8"
    )
    order = fresh_order(session, order_id)
    assert (order.status, order.refunded_fen) == ("refunded", 10_000)
    assert [e["amount_fen"] for e in events(session, "order.refunded")] == [3_000, 7_000]
    assert [e["in_full"] for e in events(session, "order.refunded")] == [False, True]
    assert events(session, "order.refunded")[0]["aftersale_id"] == 7
    assert kinds(session, order_id) == ["placed", "paid", "refunded", "refunded"]
    charge = session.scalar(select(GatewayCharge))
    assert charge is not None
    assert (charge.refunded_fen, charge.status) == (10_000, "refunded")
    payment = session.scalar(select(Payment))
    assert payment is not None
    assert payment.status == "refunded"
    assert second.id != first.id
    assert books(session) == (0, 0, 0)


def test_the_same_key_returns_the_same_refund_and_moves_no_more_money(
    session: Session, clock: ManualClock
) -> None:
    order_id = _paid(session, clock)
    kwargs = {"order_id": order_id, "amount_fen": 2_500, "reason": "late", "idempotency_key": "k"}
    first = service.refund_order(session, clock, **kwargs)  # type: ignore[arg-type]
    again = service.refund_order(session, clock, **kwargs)  # type: ignore[arg-type]
    assert again.id == first.id
    assert count(session, Refund) == 1
    assert fresh_order(session, order_id).refunded_fen == 2_500
    assert len(events(session, "order.refunded")) == 1
    assert books(session) == (7_500, 7_500, 7_500)
    other_order = _paid(session, clock)
    with pytest.raises(InvalidInput) as info:
        service.refund_order(
            session, clock, order_id=other_order, amount_fen=1, reason="x", idempotency_key="k"
        )
    assert info.value.field == "idempotency_key"


@pytest.mark.parametrize("amount", [0, -5, 10_001])
def test_a_bad_amount_is_422_and_nothing_moves(
    session: Session, clock: ManualClock, amount: int
) -> None:
    order_id = _paid(session, clock)
    with pytest.raises(InvalidInput) as info:
        service.refund_order(
            session, clock, order_id=order_id, amount_fen=amount, reason="x", idempotency_key="k"
        )
    assert info.value.field == "amount_fen"
    assert count(session, Refund) == 0
    assert books(session) == (10_000, 10_000, 10_000)


def test_refusals_for_orders_that_cannot_be_refunded(session: Session, clock: ManualClock) -> None:
    item = listing(session, clock)
    buyer = make_user(session, clock)
    unpaid = place_service(session, clock, buyer, item.sku.id)
    with pytest.raises(Conflict):
        service.refund_order(
            session, clock, order_id=unpaid.id, amount_fen=1, reason="x", idempotency_key="a"
        )
    with pytest.raises(NotFound):
        service.refund_order(
            session, clock, order_id=999_999, amount_fen=1, reason="x", idempotency_key="b"
        )
    for bad in ("", " " * 3, "x" * 41):
        with pytest.raises(InvalidInput) as info:
            service.refund_order(
                session, clock, order_id=unpaid.id, amount_fen=1, reason=bad, idempotency_key="c"
            )
        assert info.value.field == "reason"
    assert count(session, Refund) == 0
