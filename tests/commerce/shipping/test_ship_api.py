"""Shipping an order over HTTP: the shop's staff, a paid order, a known carrier, a fresh number."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.orders.models import Order
from shijing.commerce.shipping.models import Shipment
from shijing.core.clock import ManualClock
from tests.commerce.shipping.support import (
    fresh,
    make_carrier,
    outbox,
    paid_order,
    staffed_shop,
    timeline_kinds,
    tracking_no,
)
from tests.factories import api_login, make_user


@pytest.fixture
def world(session: Session, clock: ManualClock, client: TestClient) -> dict[str, Any]:
    carrier, _ = make_carrier(session, clock, code="sf")
    make_carrier(session, clock, code="zto", name="中通快递")
    shop, staff = staffed_shop(session, clock)
    buyer = make_user(session, clock)
    order = paid_order(session, clock, shop=shop, buyer=buyer)
    _, other_staff = staffed_shop(session, clock)
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.commit()
    return {
        "carrier": carrier,
        "shop": shop,
        "order": order,
        "staff": api_login(client, staff.email),
        "buyer": api_login(client, buyer.email),
        "other_staff": api_login(client, other_staff.email),
        "operator": api_login(client, operator.email),
        "staff_id": staff.id,
    }


def _ship(client: TestClient, order_id: int, headers: dict[str, str], **body: Any) -> Any:
    payload = {"carrier_code": "sf", "tracking_no": tracking_no(), **body}
    return client.post(f"/api/v1/orders/{order_id}/ship", json=payload, headers=headers)


def _shipments(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Shipment)) or 0


def test_staff_ship_a_paid_order(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    order: Order = world["order"]
    response = _ship(
        client, order.id, world["staff"], carrier_code=" SF ", tracking_no="sf-0012345"
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["late"] is False
    assert body["order"]["status"] == "shipped"
    shipment = body["shipment"]
    assert shipment["carrier_code"] == "sf"
    assert shipment["tracking_no"] == "SF-0012345"
    assert (shipment["direction"], shipment["status"]) == ("outbound", "created")
    assert (shipment["from_province"], shipment["to_province"]) == ("浙江", "江苏")

    order = fresh(session, order)
    assert (order.status, order.shipped_at) == ("shipped", clock.now())
    assert timeline_kinds(session, order.id)[-1] == "shipped"
    assert outbox(session, "order.shipped") == [
        {
            "order_id": order.id,
            "shop_id": order.shop_id,
            "shipment_id": shipment["id"],
            "carrier_code": "sf",
            "shipped_at": clock.now().isoformat(),
            "ship_due_at": order.ship_due_at.isoformat(),
            "late": False,
        }
    ]
    [created] = outbox(session, "shipment.created")
    assert created["direction"] == "outbound"
    row = session.get(Shipment, shipment["id"])
    assert row is not None
    assert row.created_by_user_id == world["staff_id"]


def test_shipping_after_the_promise_is_late(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    clock.advance(timedelta(hours=48, seconds=1))
    response = _ship(client, world["order"].id, world["staff"])
    assert response.status_code == 201
    assert response.json()["late"] is True
    assert outbox(session, "order.shipped")[0]["late"] is True


@pytest.mark.parametrize("status", ["pending_payment", "cancelled", "shipped", "delivered"])
def test_only_a_paid_order_ships(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any], status: str
) -> None:
    order = paid_order(session, clock, shop=world["shop"], status=status)
    session.commit()
    before = _shipments(session)
    response = _ship(client, order.id, world["staff"])
    assert response.status_code == 409
    assert response.json()["field"] == "status"
    assert fresh(session, order).status == status
    assert _shipments(session) == before
    assert outbox(session, "order.shipped") == []


@pytest.mark.parametrize(
    ("who", "status"), [("other_staff", 404), ("buyer", 404), ("operator", 403), (None, 401)]
)
def test_only_the_shops_staff_ship(
    client: TestClient, session: Session, world: dict[str, Any], who: str | None, status: int
) -> None:
    headers = world[who] if who else {}
    response = _ship(client, world["order"].id, headers)
    assert response.status_code == status
    assert fresh(session, world["order"]).status == "paid"
    assert _shipments(session) == 0


def test_unknown_order_is_404(client: TestClient, world: dict[str, Any]) -> None:
    response = _ship(client, 987_654, world["staff"])
    assert (response.status_code, response.json()["field"]) == (404, "order_id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier_code": "dhl"}, "carrier_code"),
        ({"carrier_code": "s"}, "carrier_code"),
        ({"carrier_code": "顺丰"}, "carrier_code"),
        ({"tracking_no": "12345"}, "tracking_no"),
        ({"tracking_no": "SF 123456"}, "tracking_no"),
        ({"tracking_no": "SF_123456"}, "tracking_no"),
        ({"tracking_no": "9" * 41}, "tracking_no"),
        ({"tracking_no": ""}, "tracking_no"),
        ({"note": "fragile"}, "note"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, session: Session, world: dict[str, Any], body: dict[str, str], field: str
) -> None:
    response = _ship(client, world["order"].id, world["staff"], **body)
    assert response.status_code == 422, response.text
    assert (response.json()["error"], response.json()["field"]) == ("invalid", field)
    assert fresh(session, world["order"]).status == "paid"
    assert _shipments(session) == 0


def test_a_tracking_number_is_used_once_per_carrier(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    assert (
        _ship(client, world["order"].id, world["staff"], tracking_no="SF778899").status_code == 201
    )
    second = paid_order(session, clock, shop=world["shop"])
    session.commit()
    taken = _ship(client, second.id, world["staff"], tracking_no="sf778899")
    assert taken.status_code == 409
    assert (taken.json()["error"], taken.json()["field"]) == ("tracking_no_taken", "tracking_no")
    assert fresh(session, second).status == "paid"
    # The same number at another carrier is another parcel.
    other = _ship(client, second.id, world["staff"], carrier_code="zto", tracking_no="SF778899")
    assert other.status_code == 201


def test_an_order_ships_once(client: TestClient, world: dict[str, Any]) -> None:
    assert _ship(client, world["order"].id, world["staff"]).status_code == 201
    again = _ship(client, world["order"].id, world["staff"])
    assert (again.status_code, again.json()["error"]) == (409, "invalid_state")
