"""Placing an order over HTTP: the price is the SKU's, the stock is reserved, the context is
recorded, and every bad input is a 4xx naming its field with nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shijing.commerce.catalog.models import Sku
from shijing.commerce.orders.models import Order
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
    order_body,
    place,
    publish_plan,
    ship_to,
    stock_of,
)
from tests.factories import make_creator, make_live_session, make_product


def test_place_order_takes_the_price_from_the_sku_and_reserves_stock(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=5, price_fen=12_345)
    buyer, headers = new_buyer(session, clock, client)
    response = place(client, headers, item.sku.id, quantity=2)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending_payment"
    assert (body["unit_price_fen"], body["total_fen"], body["quantity"]) == (12_345, 24_690, 2)
    assert body["buyer_id"] == buyer.id
    assert body["shop_id"] == item.shop.id
    assert body["traffic_source"] == "product_page"
    assert body["ship_to"]["province"] == "浙江"
    assert body["commission_fen"] is None  # the buyer does not see the creator's commission
    placed = clock.now()
    assert body["pay_due_at"] is not None
    order = fresh_order(session, body["id"])
    assert order.pay_due_at == placed + timedelta(minutes=30)
    assert stock_of(session, item.sku.id) == 3
    assert kinds(session, order.id) == ["placed"]
    [event] = events(session, "order.placed")
    assert event == event | {
        "order_id": order.id,
        "buyer_id": buyer.id,
        "shop_id": item.shop.id,
        "product_id": item.product.id,
        "sku_id": item.sku.id,
        "creator_id": None,
        "live_session_id": None,
        "traffic_source": "product_page",
        "quantity": 2,
        "total_fen": 24_690,
        "category": item.product.category,
        "placed_at": placed.isoformat(),
    }


def test_the_full_province_name_is_stored_short(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    response = place(client, headers, item.sku.id, ship_to=ship_to(province="内蒙古自治区"))
    assert response.status_code == 201, response.text
    assert response.json()["ship_to"]["province"] == "内蒙古"


@pytest.mark.parametrize("field", ["price", "unit_price_fen", "total_fen", "price_fen"])
def test_a_client_price_is_refused_naming_the_field(
    client: TestClient, session: Session, clock: ManualClock, field: str
) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    response = place(client, headers, item.sku.id, **{field: 1})
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert count(session, Order) == 0
    assert stock_of(session, item.sku.id) == 100


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 11}, "quantity"),  # over max_per_order
        ({"quantity": "two"}, "quantity"),
        ({"traffic_source": "billboard"}, "traffic_source"),
        ({"ship_to": ship_to(phone="23912345678")}, "ship_to.phone"),
        ({"ship_to": ship_to(phone="1391234567")}, "ship_to.phone"),
        ({"ship_to": ship_to(phone="139123456789")}, "ship_to.phone"),
        ({"ship_to": ship_to(province="加州")}, "ship_to.province"),
        ({"ship_to": ship_to(name="  ")}, "ship_to.name"),
        ({"ship_to": ship_to(city="")}, "ship_to.city"),
        ({"ship_to": ship_to(address="")}, "ship_to.address"),
        ({"ship_to": ship_to() | {"zip": "310000"}}, "ship_to.zip"),
        ({"live_session_id": 1}, "live_session_id"),  # not a live_room order
        ({"traffic_source": "live_room"}, "live_session_id"),  # live_room without a session
        ({"creator_id": 999_999}, "creator_id"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    client: TestClient,
    session: Session,
    clock: ManualClock,
    changes: dict[str, Any],
    field: str,
) -> None:
    item = listing(session, clock, max_per_order=10)
    _, headers = new_buyer(session, clock, client)
    response = place(client, headers, item.sku.id, **changes)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert count(session, Order) == 0
    assert stock_of(session, item.sku.id) == 100


def test_missing_ship_to_and_bad_json_are_422(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    body = order_body(item.sku.id)
    del body["ship_to"]
    response = client.post(f"{API}/orders", json=body, headers=headers)
    assert (response.status_code, response.json()["field"]) == (422, "ship_to")
    response = client.post(
        f"{API}/orders",
        content=b"{nope",
        headers=headers | {"content-type": "application/json"},
    )
    assert response.status_code == 422


def test_unknown_and_unpublished_skus_are_422_on_sku_id(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    hidden = listing(session, clock, published=False)
    _, headers = new_buyer(session, clock, client)
    for sku_id in (hidden.sku.id, 999_999):
        response = place(client, headers, sku_id)
        assert (response.status_code, response.json()["field"]) == (422, "sku_id")
    assert count(session, Order) == 0


def test_staff_cannot_buy_from_their_own_shop(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    for user in (item.owner, item.staff):
        response = place(client, headers_of(client, user), item.sku.id)
        assert response.status_code == 422
        assert response.json()["error"] == "own_shop"
    assert count(session, Order) == 0


def test_out_of_stock_is_409_and_writes_nothing(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=1)
    _, headers = new_buyer(session, clock, client)
    response = place(client, headers, item.sku.id, quantity=2)
    assert response.status_code == 409
    assert response.json() == response.json() | {"error": "out_of_stock", "field": "quantity"}
    assert count(session, Order) == 0
    assert stock_of(session, item.sku.id) == 1


def test_anonymous_cannot_order(client: TestClient, session: Session, clock: ManualClock) -> None:
    item = listing(session, clock)
    response = client.post(f"{API}/orders", json=order_body(item.sku.id))
    assert response.status_code == 401


# -- where the sale came from -----------------------------------------------------------------


def test_live_room_order_records_the_session_and_its_creator(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    live = make_live_session(session, clock, products=(item.product,), status="live")
    session.flush()
    _, headers = new_buyer(session, clock, client)
    response = place(
        client, headers, item.sku.id, traffic_source="live_room", live_session_id=live.id
    )
    assert response.status_code == 201, response.text
    order = fresh_order(session, response.json()["id"])
    assert (order.live_session_id, order.creator_id) == (live.id, live.creator_id)
    assert (order.commission_bps, order.commission_fen, order.distribution_plan_id) == (0, 0, None)
    [event] = events(session, "order.placed")
    assert (event["live_session_id"], event["creator_id"]) == (live.id, live.creator_id)


def test_live_room_refusals(client: TestClient, session: Session, clock: ManualClock) -> None:
    item = listing(session, clock)
    other = make_product(session, clock, shop=item.shop)
    scheduled = make_live_session(session, clock, products=(item.product,))
    on_air = make_live_session(session, clock, products=(other,), status="live")
    someone = make_creator(session, clock)
    session.flush()
    _, headers = new_buyer(session, clock, client)
    for live_id, creator_id in (
        (scheduled.id, None),  # not on air
        (on_air.id, None),  # product not in its showcase
        (999_999, None),  # no such session
    ):
        response = place(
            client,
            headers,
            item.sku.id,
            traffic_source="live_room",
            live_session_id=live_id,
            creator_id=creator_id,
        )
        assert (response.status_code, response.json()["field"]) == (422, "live_session_id")
    live = make_live_session(session, clock, products=(item.product,), status="live")
    session.flush()
    response = place(
        client,
        headers,
        item.sku.id,
        traffic_source="live_room",
        live_session_id=live.id,
        creator_id=someone.id,
    )
    assert (response.status_code, response.json()["field"]) == (422, "creator_id")
    assert count(session, Order) == 0


def test_a_creator_under_a_distribution_plan_earns_commission_rounded_half_up(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, price_fen=1_005)
    plan_id = publish_plan(session, clock, item, commission_bps=2_050)
    creator = make_creator(session, clock)
    session.flush()
    _, headers = new_buyer(session, clock, client)
    response = place(
        client, headers, item.sku.id, traffic_source="followers_feed", creator_id=creator.id
    )
    assert response.status_code == 201, response.text
    order = fresh_order(session, response.json()["id"])
    # 1005 × 20.5% = 206.025 → 206
    assert (order.creator_id, order.distribution_plan_id) == (creator.id, plan_id)
    assert (order.commission_bps, order.commission_fen) == (2_050, 206)
    shop_view = client.get(f"{API}/orders/{order.id}", headers=headers_of(client, item.staff))
    assert shop_view.json()["commission_fen"] == 206


def test_a_creator_without_rights_to_the_product_is_422(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    creator = make_creator(session, clock)
    session.flush()
    _, headers = new_buyer(session, clock, client)
    response = place(client, headers, item.sku.id, traffic_source="search", creator_id=creator.id)
    assert (response.status_code, response.json()["field"]) == (422, "creator_id")
    assert session.get(Sku, item.sku.id) is not None
    assert count(session, Order) == 0
