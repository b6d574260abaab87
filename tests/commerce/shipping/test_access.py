"""Who may see shipments and confirm receipt: the order's buyer, its shop's staff, operators;
everyone else gets 404 (or 401 when anonymous), never a hint that the object exists."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.shipping import service
from shijing.core.clock import ManualClock
from tests.commerce.shipping.support import (
    fresh,
    make_carrier,
    paid_order,
    report,
    ship,
    staffed_shop,
)
from tests.factories import api_login, make_user


@pytest.fixture
def world(session: Session, clock: ManualClock, client: TestClient) -> dict[str, Any]:
    carrier, _ = make_carrier(session, clock, code="sf")
    shop, staff = staffed_shop(session, clock)
    buyer = make_user(session, clock)
    order = paid_order(session, clock, shop=shop, buyer=buyer)
    shipment = ship(session, clock, order, carrier)
    service.record_tracking_events(
        session,
        clock,
        carrier,
        reports=[
            report(shipment, "picked_up", clock.now(), location="杭州"),
            report(shipment, "delivered", clock.now()),
        ],
    )
    other_shop, other_staff = staffed_shop(session, clock)
    other_buyer = make_user(session, clock)
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.commit()
    return {
        "order": order,
        "shipment": shipment,
        "shop": shop,
        "other_shop": other_shop,
        "buyer": api_login(client, buyer.email),
        "staff": api_login(client, staff.email),
        "operator": api_login(client, operator.email),
        "other_buyer": api_login(client, other_buyer.email),
        "other_staff": api_login(client, other_staff.email),
        "anonymous": {},
    }


SEE = [
    ("buyer", 200),
    ("staff", 200),
    ("operator", 200),
    ("other_buyer", 404),
    ("other_staff", 404),
    ("anonymous", 401),
]


@pytest.mark.parametrize(("who", "status"), SEE)
def test_order_shipments(client: TestClient, world: dict[str, Any], who: str, status: int) -> None:
    response = client.get(f"/api/v1/orders/{world['order'].id}/shipments", headers=world[who])
    assert response.status_code == status
    if status == 200:
        [shipment] = response.json()["items"]
        assert (shipment["id"], shipment["status"]) == (world["shipment"].id, "delivered")
    elif status == 404:
        assert response.json()["field"] == "order_id"


@pytest.mark.parametrize(("who", "status"), SEE)
def test_shipment_detail_with_its_history(
    client: TestClient, world: dict[str, Any], who: str, status: int
) -> None:
    response = client.get(f"/api/v1/shipments/{world['shipment'].id}", headers=world[who])
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert [(e["kind"], e["applied"]) for e in body["events"]] == [
            ("picked_up", True),
            ("delivered", True),
        ]
        assert body["events"][0]["location"] == "杭州"
        assert body["events"][0]["event_id"].startswith("ev")


def test_an_unknown_shipment_looks_like_someone_elses(
    client: TestClient, world: dict[str, Any]
) -> None:
    missing = client.get("/api/v1/shipments/987654", headers=world["other_buyer"])
    foreign = client.get(f"/api/v1/shipments/{world['shipment'].id}", headers=world["other_buyer"])
    assert missing.status_code == foreign.status_code == 404
    assert missing.json() == foreign.json()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff", 404),
        ("operator", 404),
        ("other_buyer", 404),
        ("other_staff", 404),
        ("anonymous", 401),
    ],
)
def test_only_the_buyer_confirms_receipt(
    client: TestClient, session: Session, world: dict[str, Any], who: str, status: int
) -> None:
    response = client.post(
        f"/api/v1/orders/{world['order'].id}/confirm-receipt", headers=world[who]
    )
    assert response.status_code == status
    assert fresh(session, world["order"]).status == "delivered"


@pytest.mark.parametrize(
    ("who", "status"),
    [("staff", 200), ("operator", 200), ("other_staff", 404), ("buyer", 404), ("anonymous", 401)],
)
def test_shop_shipments(client: TestClient, world: dict[str, Any], who: str, status: int) -> None:
    response = client.get(f"/api/v1/shops/{world['shop'].id}/shipments", headers=world[who])
    assert response.status_code == status
    if status == 200:
        assert [s["id"] for s in response.json()["items"]] == [world["shipment"].id]


def test_shop_shipments_filter_and_page(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    carrier, _ = make_carrier(session, clock, code="yto", name="圆通速递")
    second = ship(session, clock, paid_order(session, clock, shop=world["shop"]), carrier)
    session.commit()
    url = f"/api/v1/shops/{world['shop'].id}/shipments"
    headers = world["staff"]
    created = client.get(url, params={"status": "created"}, headers=headers).json()
    assert ([s["id"] for s in created["items"]], created["total"]) == ([second.id], 1)
    page = client.get(url, params={"limit": 1, "offset": 1}, headers=headers).json()
    assert [s["id"] for s in page["items"]] == [world["shipment"].id]
    assert (page["total"], page["limit"], page["offset"]) == (2, 1, 1)
    returns = client.get(url, params={"direction": "return"}, headers=headers).json()
    assert (returns["items"], returns["total"]) == ([], 0)
    bad = client.get(url, params={"status": "lost"}, headers=headers)
    assert (bad.status_code, bad.json()["field"]) == (422, "status")
    too_many = client.get(url, params={"limit": 101}, headers=headers)
    assert (too_many.status_code, too_many.json()["field"]) == (422, "limit")
