"""Paying for an order through the simulated gateway: captured, declined, and refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.payments.models import GatewayCharge, Payment
from shijing.core.clock import ManualClock
from tests.commerce.orders.support import (
    API,
    count,
    events,
    fresh_order,
    headers_of,
    kinds,
    listing,
    new_buyer,
    pay,
    place,
)
from tests.factories import make_order, make_shop, make_user


def test_paying_captures_sets_ship_due_and_emits_the_gmv_event(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, price_fen=5_000, ship_within_hours=24)
    buyer, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id, quantity=3).json()["id"]
    none_yet = client.get(f"{API}/orders/{order_id}/payment", headers=headers)
    assert none_yet.status_code == 404
    clock.advance(timedelta(minutes=5))
    response = pay(client, headers, order_id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == body | {
        "order_id": order_id,
        "status": "captured",
        "amount_fen": 15_000,
        "captured_fen": 15_000,
        "refunded_fen": 0,
        "payment_method": "sim_ok",
        "provider": "simulated",
    }
    order = fresh_order(session, order_id)
    assert order.status == "paid"
    assert order.paid_at == clock.now()
    assert order.ship_due_at == clock.now() + timedelta(hours=24)
    [paid] = events(session, "order.paid")
    assert paid == {
        "order_id": order_id,
        "buyer_id": buyer.id,
        "shop_id": item.shop.id,
        "creator_id": None,
        "live_session_id": None,
        "total_fen": 15_000,
        "paid_at": clock.now().isoformat(),
    }
    [captured] = events(session, "payment.captured")
    assert captured["order_id"] == order_id
    charge = session.scalar(select(GatewayCharge))
    assert charge is not None
    assert (charge.status, charge.captured_fen, charge.merchant_reference) == (
        "captured",
        15_000,
        f"order-{order_id}",
    )
    assert kinds(session, order_id) == ["placed", "paid"]
    view = client.get(f"{API}/orders/{order_id}/payment", headers=headers)
    assert view.status_code == 200
    assert view.json()["id"] == body["id"]


@pytest.mark.parametrize(
    ("method", "code"),
    [("sim_declined", "card_declined"), ("sim_insufficient", "insufficient_funds")],
)
def test_a_declined_payment_is_402_recorded_and_can_be_retried(
    client: TestClient, session: Session, clock: ManualClock, method: str, code: str
) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id).json()["id"]
    response = pay(client, headers, order_id, method)
    assert response.status_code == 402
    assert response.json() == response.json() | {"error": code, "field": "payment_method"}
    assert fresh_order(session, order_id).status == "pending_payment"
    [failed] = events(session, "payment.failed")
    assert (failed["order_id"], failed["failure_code"]) == (order_id, code)
    assert kinds(session, order_id) == ["placed", "payment_failed"]
    assert pay(client, headers, order_id, "sim_ok").status_code == 201
    assert fresh_order(session, order_id).status == "paid"
    assert count(session, Payment) == 2
    assert client.get(f"{API}/orders/{order_id}/payment", headers=headers).json()["status"] == (
        "captured"
    )


@pytest.mark.parametrize(
    ("method", "field"),
    [("paypal", "payment_method"), ("", "payment_method"), ("a b", "payment_method")],
)
def test_an_unusable_payment_method_is_422_and_charges_nothing(
    client: TestClient, session: Session, clock: ManualClock, method: str, field: str
) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id).json()["id"]
    response = pay(client, headers, order_id, method)
    assert (response.status_code, response.json()["field"]) == (422, field)
    assert count(session, GatewayCharge) == 0
    assert count(session, Payment) == 0


def test_paying_twice_is_409_and_charges_once(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id).json()["id"]
    assert pay(client, headers, order_id).status_code == 201
    again = pay(client, headers, order_id)
    assert again.status_code == 409
    assert again.json()["error"] == "invalid_state"
    assert count(session, GatewayCharge) == 1


def test_paying_a_cancelled_order_is_409(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id).json()["id"]
    assert client.post(f"{API}/orders/{order_id}/cancel", headers=headers).status_code == 200
    response = pay(client, headers, order_id)
    assert (response.status_code, response.json()["error"]) == (409, "invalid_state")
    assert count(session, GatewayCharge) == 0


@pytest.mark.parametrize("status", ["shipped", "delivered", "completed"])
def test_paying_an_order_past_payment_is_409(
    client: TestClient, session: Session, clock: ManualClock, status: str
) -> None:
    buyer = make_user(session, clock)
    order = make_order(session, clock, buyer=buyer, status=status)
    session.flush()
    response = pay(client, headers_of(client, buyer), order.id)
    assert response.status_code == 409
    assert count(session, GatewayCharge) == 0


def test_only_the_buyer_pays(client: TestClient, session: Session, clock: ManualClock) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id).json()["id"]
    staff = pay(client, headers_of(client, item.staff), order_id)
    assert staff.status_code == 403  # the shop sees the order but does not pay for it
    _, stranger = new_buyer(session, clock, client)
    assert pay(client, stranger, order_id).status_code == 404
    other_staff = make_user(session, clock)
    make_shop(session, clock, staff=(other_staff,))
    session.flush()
    assert pay(client, headers_of(client, other_staff), order_id).status_code == 404
    assert pay(client, {}, order_id).status_code == 401
    assert pay(client, headers, 999_999).status_code == 404
    assert count(session, GatewayCharge) == 0
