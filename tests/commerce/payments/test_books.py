"""The gateway's books and the platform's agree: after a mixed day of captures, declines,
cancellations and partial and full refunds, captured minus refunded is the same on both sides."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import shijing.commerce.wiring  # noqa: F401  (registers the subscribers and due steps)
from shijing.commerce.orders import service
from shijing.commerce.payments.models import GatewayCharge, Payment
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.outbox import Dispatcher
from tests.commerce.orders.support import (
    API,
    books,
    fresh_order,
    headers_of,
    listing,
    pay,
    place,
)
from tests.factories import make_user


def test_a_mixed_day_leaves_both_sets_of_books_equal(
    client: TestClient, db: Database, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, price_fen=1_000, stock=50)
    buyers = [make_user(session, clock) for _ in range(3)]
    session.flush()
    heads = [headers_of(client, b) for b in buyers]

    def order(h: dict[str, str], quantity: int = 1) -> int:
        response = place(client, h, item.sku.id, quantity=quantity)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    kept = order(heads[0], 3)  # 3,000 captured, kept
    assert pay(client, heads[0], kept).status_code == 201
    declined = order(heads[1])  # declined twice, then paid: 1,000
    assert pay(client, heads[1], declined, "sim_declined").status_code == 402
    assert pay(client, heads[1], declined, "sim_insufficient").status_code == 402
    assert pay(client, heads[1], declined).status_code == 201
    cancelled = order(heads[2], 2)  # 2,000 captured, then cancelled: refunded in full
    assert pay(client, heads[2], cancelled).status_code == 201
    assert client.post(f"{API}/orders/{cancelled}/cancel", headers=heads[2]).status_code == 200
    partly = order(heads[0], 4)  # 4,000 captured, 1,500 refunded
    assert pay(client, heads[0], partly).status_code == 201
    service.refund_order(
        session, clock, order_id=partly, amount_fen=1_500, reason="damaged", idempotency_key="a1"
    )
    fully = order(heads[1], 5)  # 5,000 captured, refunded in two steps
    assert pay(client, heads[1], fully).status_code == 201
    service.refund_order(
        session, clock, order_id=fully, amount_fen=2_000, reason="return", idempotency_key="a2"
    )
    service.refund_order(
        session, clock, order_id=fully, amount_fen=3_000, reason="return", idempotency_key="a3"
    )
    never_paid = order(heads[2])
    session.commit()

    # Deliver every webhook the gateway owes and every event: nothing may move money twice.
    run_due(db, clock)
    Dispatcher(db, clock).run_until_idle()
    run_due(db, clock)

    expected = 3_000 + 1_000 + 0 + (4_000 - 1_500) + 0
    assert books(session) == (expected, expected, expected)
    assert fresh_order(session, fully).status == "refunded"
    assert fresh_order(session, cancelled).status == "cancelled"
    assert fresh_order(session, never_paid).status == "pending_payment"
    # Charge by charge, too.
    charges = {c.ref: c for c in session.scalars(select(GatewayCharge))}
    for payment in session.scalars(select(Payment)):
        charge = charges[payment.provider_ref]
        assert (payment.captured_fen, payment.refunded_fen) == (
            charge.captured_fen,
            charge.refunded_fen,
        )
    assert len(charges) == 7  # two declines are charges on the gateway's side, and recorded
