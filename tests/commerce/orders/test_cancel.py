"""Cancelling before shipping: by the buyer (refunded in full when paid), by the shop with a
reason, by the unpaid deadline; stock goes back every time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.orders import service
from shijing.commerce.payments.models import GatewayCharge, Payment, Refund
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from tests.commerce.orders.support import (
    API,
    books,
    count,
    events,
    fresh_order,
    headers_of,
    kinds,
    listing,
    new_buyer,
    pay,
    pay_service,
    place,
    place_service,
    stock_of,
)
from tests.factories import make_order, make_product, make_shop, make_user, principal_of


def test_buyer_cancels_an_unpaid_order_and_the_stock_returns(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=5)
    _buyer, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id, quantity=2).json()["id"]
    assert stock_of(session, item.sku.id) == 3
    response = client.post(f"{API}/orders/{order_id}/cancel", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_by"] == "buyer"
    assert stock_of(session, item.sku.id) == 5
    [event] = events(session, "order.cancelled")
    assert event == event | {
        "order_id": order_id,
        "by": "buyer",
        "reason": None,
        "at": clock.now().isoformat(),
        "was_paid": False,
    }
    assert kinds(session, order_id) == ["placed", "cancelled"]
    again = client.post(f"{API}/orders/{order_id}/cancel", headers=headers)
    assert (again.status_code, again.json()["error"]) == (409, "invalid_state")
    assert stock_of(session, item.sku.id) == 5


def test_buyer_cancels_a_paid_order_refunded_in_full_through_the_gateway(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=5, price_fen=8_800)
    _, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id).json()["id"]
    assert pay(client, headers, order_id).status_code == 201
    response = client.post(
        f"{API}/orders/{order_id}/cancel", json={"reason": "买错了"}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["refunded_fen"], body["cancel_reason"]) == (
        "cancelled",
        8_800,
        "买错了",
    )
    assert stock_of(session, item.sku.id) == 5
    charge = session.scalar(select(GatewayCharge))
    assert charge is not None
    assert (charge.status, charge.refunded_fen) == ("refunded", 8_800)
    payment = session.scalar(select(Payment))
    assert payment is not None
    assert (payment.status, payment.refunded_fen) == ("refunded", 8_800)
    [refund] = session.scalars(select(Refund)).all()
    assert (refund.amount_fen, refund.reason) == (8_800, "order_cancelled")
    [cancelled] = events(session, "order.cancelled")
    assert cancelled["was_paid"] is True
    [refunded] = events(session, "order.refunded")
    assert (refunded["amount_fen"], refunded["in_full"], refunded["status"]) == (
        8_800,
        True,
        "cancelled",
    )
    assert kinds(session, order_id) == ["placed", "paid", "cancelled", "refunded"]
    assert books(session) == (0, 0, 0)


def test_the_shop_cancels_with_a_reason_and_it_is_recorded_against_the_shop(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=5)
    _, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id).json()["id"]
    assert pay(client, headers, order_id).status_code == 201
    staff = headers_of(client, item.staff)
    missing = client.post(f"{API}/orders/{order_id}/cancel", json={}, headers=staff)
    assert (missing.status_code, missing.json()["field"]) == (422, "reason")
    blank = client.post(f"{API}/orders/{order_id}/cancel", json={"reason": " "}, headers=staff)
    assert (blank.status_code, blank.json()["field"]) == (422, "reason")
    assert fresh_order(session, order_id).status == "paid"
    response = client.post(
        f"{API}/orders/{order_id}/cancel", json={"reason": "缺货"}, headers=staff
    )
    assert response.status_code == 200, response.text
    order = fresh_order(session, order_id)
    assert (order.status, order.cancelled_by, order.cancel_reason) == ("cancelled", "shop", "缺货")
    assert order.refunded_fen == order.total_fen
    assert stock_of(session, item.sku.id) == 5
    [event] = events(session, "order.cancelled")
    assert (event["by"], event["reason"], event["shop_id"]) == ("shop", "缺货", item.shop.id)


@pytest.mark.parametrize("status", ["shipped", "delivered", "completed"])
def test_an_order_on_its_way_cannot_be_cancelled(
    client: TestClient, session: Session, clock: ManualClock, status: str
) -> None:
    buyer = make_user(session, clock)
    order = make_order(session, clock, buyer=buyer, status=status)
    session.flush()
    response = client.post(f"{API}/orders/{order.id}/cancel", headers=headers_of(client, buyer))
    assert (response.status_code, response.json()["error"]) == (409, "invalid_state")
    assert fresh_order(session, order.id).status == status


def test_outsiders_cannot_cancel(client: TestClient, session: Session, clock: ManualClock) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id).json()["id"]
    other_staff = make_user(session, clock)
    make_shop(session, clock, staff=(other_staff,))
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.flush()
    _, stranger = new_buyer(session, clock, client)
    url = f"{API}/orders/{order_id}/cancel"
    reason = {"reason": "x"}
    assert client.post(url, json=reason, headers=stranger).status_code == 404
    assert client.post(url, json=reason, headers=headers_of(client, other_staff)).status_code == 404
    assert client.post(url, json=reason).status_code == 401
    assert client.post(url, json=reason, headers=headers_of(client, operator)).status_code == 403
    assert fresh_order(session, order_id).status == "pending_payment"


# -- the unpaid deadline ----------------------------------------------------------------------


def test_unpaid_orders_are_cancelled_after_thirty_minutes(
    db: Database, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=10)
    buyer = make_user(session, clock)
    late = place_service(session, clock, buyer, item.sku.id, quantity=3)
    clock.advance(timedelta(minutes=10))
    paid = place_service(session, clock, buyer, item.sku.id, quantity=2)
    pay_service(session, clock, buyer, paid)
    fresh = place_service(session, clock, buyer, item.sku.id, quantity=1)
    session.commit()
    assert stock_of(session, item.sku.id) == 4
    clock.advance(timedelta(minutes=21))  # 31 minutes after the first, 21 after the others
    handled = run_due(db, clock)
    assert handled["orders.cancel_unpaid"] == 1
    assert fresh_order(session, late.id).status == "cancelled"
    assert fresh_order(session, late.id).cancelled_by == "system"
    assert fresh_order(session, late.id).cancel_reason == "unpaid_timeout"
    assert fresh_order(session, paid.id).status == "paid"
    assert fresh_order(session, fresh.id).status == "pending_payment"
    assert stock_of(session, item.sku.id) == 7
    [event] = events(session, "order.cancelled")
    assert (event["order_id"], event["by"], event["was_paid"]) == (late.id, "system", False)
    assert run_due(db, clock)["orders.cancel_unpaid"] == 0  # nothing left to do
    clock.advance(timedelta(minutes=10))
    assert run_due(db, clock)["orders.cancel_unpaid"] == 1
    assert stock_of(session, item.sku.id) == 8


def test_the_deadline_pays_instead_when_a_capture_arrived_but_was_not_applied(
    db: Database, session: Session, clock: ManualClock
) -> None:
    """A capture recorded from a webhook whose order-side event has not been handled yet."""
    from shijing.commerce.payments import service as payments
    from tests.commerce.orders.support import gateway

    item = listing(session, clock)
    buyer = make_user(session, clock)
    order = place_service(session, clock, buyer, item.sku.id)
    payments.charge_order(
        session,
        clock,
        gateway(),
        order_id=order.id,
        amount_fen=order.total_fen,
        payment_method="sim_ok",
        idempotency_key="k1",
    )
    session.commit()
    clock.advance(timedelta(minutes=31))
    assert run_due(db, clock)["orders.cancel_unpaid"] == 0
    assert fresh_order(session, order.id).status == "paid"


def test_the_service_refuses_the_same_things_as_the_api(
    session: Session, clock: ManualClock
) -> None:
    shop = make_shop(session, clock)
    product = make_product(session, clock, shop=shop)
    buyer = make_user(session, clock)
    order = make_order(session, clock, buyer=buyer, product=product, status="shipped")
    from shijing.core.errors import Conflict

    with pytest.raises(Conflict):
        service.cancel_order(session, clock, principal_of(session, buyer), order_id=order.id)
    assert count(session, Refund) == 0
