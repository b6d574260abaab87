"""The order side of fulfilment: ``ship``, ``deliver`` and ``complete`` from every state, the
buyer confirming receipt, and the auto-complete deadline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import shijing.commerce.shipping.handlers  # noqa: F401  (registers orders.auto_complete)
from shijing.accounts.models import User
from shijing.commerce.orders import fulfilment
from shijing.commerce.orders.models import Order, OrderStatus
from shijing.commerce.orders.states import ORDER
from shijing.commerce.shipping import service
from shijing.commerce.shipping.models import Shipment
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.errors import Conflict
from tests.commerce.shipping.support import (
    fresh,
    make_carrier,
    outbox,
    paid_order,
    principal_of,
    report,
    ship,
    timeline_kinds,
)
from tests.factories import api_login, make_user

STATES = [s.value for s in OrderStatus]
DAY = timedelta(days=1)


def _buyer(session: Session, order: Order) -> User:
    user = session.get(User, order.buyer_id)
    assert user is not None
    return user


@pytest.mark.parametrize("status", STATES)
def test_ship_from_every_state(session: Session, clock: ManualClock, status: str) -> None:
    carrier, _ = make_carrier(session, clock)
    order = paid_order(session, clock, status=status)
    if ORDER.can(status, "ship"):
        ship(session, clock, order, carrier)
        assert order.status == "shipped"
    else:
        with pytest.raises(Conflict) as info:
            ship(session, clock, order, carrier)
        assert (info.value.status, info.value.code) == (409, "invalid_state")
        assert order.status == status
        assert session.scalars(select(Shipment).where(Shipment.order_id == order.id)).all() == []


@pytest.mark.parametrize("status", STATES)
def test_deliver_from_every_state(session: Session, clock: ManualClock, status: str) -> None:
    order = paid_order(session, clock, status=status)
    delivered = fulfilment.mark_delivered(
        session,
        clock,
        order,
        shipment_id=1,
        delivered_at=clock.now(),
        picked_up_at=None,
        auto_complete_days=7,
    )
    assert delivered is ORDER.can(status, "deliver")
    if delivered:
        assert (order.status, order.complete_due_at) == ("delivered", clock.now() + 7 * DAY)
    else:  # a carrier's late news is not refused, but it moves no order that left `shipped`
        assert order.status == status
        with pytest.raises(Conflict):
            fulfilment.ensure_can(order, "deliver")


@pytest.mark.parametrize("status", STATES)
def test_complete_from_every_state(session: Session, clock: ManualClock, status: str) -> None:
    order = paid_order(session, clock, status=status)
    buyer = principal_of(session, _buyer(session, order))
    if ORDER.can(status, "complete"):
        fulfilment.confirm_receipt(session, clock, buyer, order_id=order.id)
        assert (order.status, order.completed_at) == ("completed", clock.now())
    else:
        with pytest.raises(Conflict) as info:
            fulfilment.confirm_receipt(session, clock, buyer, order_id=order.id)
        assert info.value.status == 409
        assert fresh(session, order).status == status


def test_a_transition_racing_another_loses_with_409(session: Session, clock: ManualClock) -> None:
    """The shop ships an order it read as paid while the buyer's cancellation commits first: the
    compare-and-set refuses, naming the state the order is really in, and writes nothing."""
    order = paid_order(session, clock)
    session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    assert order.status == "paid"  # a stale copy, as read before the cancellation
    with pytest.raises(Conflict, match="cannot ship a order that is cancelled"):
        fulfilment.mark_shipped(
            session,
            clock,
            order,
            shipment_id=1,
            carrier_code="sf",
            tracking_no="SF123456",
            actor_user_id=None,
        )
    assert (order.status, order.shipped_at) == ("cancelled", None)
    assert outbox(session, "order.shipped") == []


def test_shipping_decides_on_the_orders_current_state(session: Session, clock: ManualClock) -> None:
    carrier, _ = make_carrier(session, clock)
    order = paid_order(session, clock)
    session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(Conflict, match="cannot ship a order that is cancelled"):
        ship(session, clock, order, carrier)
    assert session.scalars(select(Shipment).where(Shipment.order_id == order.id)).all() == []


# -- over HTTP and through the deadline --------------------------------------------------------


@pytest.fixture
def delivered(session: Session, clock: ManualClock, client: TestClient) -> dict[str, Any]:
    """An order shipped and delivered through the services, one hour apart."""
    carrier, _ = make_carrier(session, clock)
    buyer = make_user(session, clock)
    order = paid_order(session, clock, buyer=buyer)
    shipment = ship(session, clock, order, carrier)
    clock.advance(timedelta(hours=1))
    service.record_tracking_events(
        session, clock, carrier, reports=[report(shipment, "delivered", clock.now())]
    )
    session.commit()
    return {"order": order, "buyer": api_login(client, buyer.email), "at": clock.now()}


def test_the_buyer_confirms_receipt(
    client: TestClient, session: Session, clock: ManualClock, delivered: dict[str, Any]
) -> None:
    order = delivered["order"]
    clock.advance(DAY)
    response = client.post(f"/api/v1/orders/{order.id}/confirm-receipt", headers=delivered["buyer"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "completed"
    order = fresh(session, order)
    assert (order.status, order.completed_at) == ("completed", clock.now())
    assert outbox(session, "order.completed") == [
        {
            "order_id": order.id,
            "shop_id": order.shop_id,
            "buyer_id": order.buyer_id,
            "by": "buyer",
            "at": clock.now().isoformat(),
        }
    ]
    assert timeline_kinds(session, order.id)[-1] == "completed"
    again = client.post(f"/api/v1/orders/{order.id}/confirm-receipt", headers=delivered["buyer"])
    assert (again.status_code, again.json()["error"]) == (409, "invalid_state")


def test_confirming_an_order_not_yet_delivered_is_409(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    buyer = make_user(session, clock)
    order = paid_order(session, clock, buyer=buyer, status="shipped")
    session.commit()
    response = client.post(
        f"/api/v1/orders/{order.id}/confirm-receipt", headers=api_login(client, buyer.email)
    )
    assert (response.status_code, response.json()["field"]) == (409, "status")
    assert fresh(session, order).status == "shipped"


def test_an_unconfirmed_order_completes_itself_after_the_configured_days(
    db: Database, session: Session, clock: ManualClock, delivered: dict[str, Any]
) -> None:
    order = delivered["order"]
    assert fresh(session, order).complete_due_at == delivered["at"] + 7 * DAY
    clock.advance(7 * DAY - timedelta(minutes=1))
    assert run_due(db, clock)["orders.auto_complete"] == 0
    assert fresh(session, order).status == "delivered"
    clock.advance(timedelta(minutes=1))
    assert run_due(db, clock)["orders.auto_complete"] == 1
    order = fresh(session, order)
    assert (order.status, order.completed_at) == ("completed", clock.now())
    [event] = outbox(session, "order.completed")
    assert (event["by"], event["at"]) == ("system", clock.now().isoformat())
    assert run_due(db, clock)["orders.auto_complete"] == 0


def test_an_order_the_buyer_confirmed_is_not_completed_again(
    db: Database,
    client: TestClient,
    session: Session,
    clock: ManualClock,
    delivered: dict[str, Any],
) -> None:
    order = delivered["order"]
    client.post(f"/api/v1/orders/{order.id}/confirm-receipt", headers=delivered["buyer"])
    clock.advance(8 * DAY)
    assert run_due(db, clock)["orders.auto_complete"] == 0
    assert [e["by"] for e in outbox(session, "order.completed")] == ["buyer"]


def test_the_countdown_follows_the_setting(session: Session, clock: ManualClock) -> None:
    carrier, _ = make_carrier(session, clock)
    order = paid_order(session, clock)
    shipment = ship(session, clock, order, carrier)
    service.record_tracking_events(
        session,
        clock,
        carrier,
        reports=[report(shipment, "delivered", clock.now())],
        auto_complete_days=3,
    )
    assert order.complete_due_at == clock.now() + 3 * DAY
    clock.advance(3 * DAY)
    assert fulfilment.complete_due_orders(session, clock) == 1
    assert order.status == "completed"
