"""Who sees which order: the buyer, the shop's staff and operators; everyone else gets 404 (401
when signed out). Lists are the caller's own, filtered and paginated."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.core.clock import ManualClock
from tests.commerce.orders.support import (
    API,
    headers_of,
    listing,
    new_buyer,
    order_body,
    pay,
    place,
)
from tests.factories import make_shop, make_user


def test_objects_are_visible_to_buyer_staff_and_operators_only(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    _, buyer = new_buyer(session, clock, client)
    order_id = place(client, buyer, item.sku.id).json()["id"]
    assert pay(client, buyer, order_id).status_code == 201
    other_staff = make_user(session, clock)
    make_shop(session, clock, staff=(other_staff,))
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.flush()
    _, stranger = new_buyer(session, clock, client)
    paths = [
        f"{API}/orders/{order_id}",
        f"{API}/orders/{order_id}/timeline",
        f"{API}/orders/{order_id}/payment",
    ]
    for path in paths:
        assert client.get(path, headers=buyer).status_code == 200, path
        assert client.get(path, headers=headers_of(client, item.staff)).status_code == 200
        assert client.get(path, headers=headers_of(client, item.owner)).status_code == 200
        assert client.get(path, headers=headers_of(client, operator)).status_code == 200
        assert client.get(path, headers=stranger).status_code == 404
        assert client.get(path, headers=headers_of(client, other_staff)).status_code == 404
        assert client.get(path).status_code == 401
    for path in (f"{API}/orders/999999", f"{API}/orders/999999/timeline"):
        assert client.get(path, headers=buyer).status_code == 404


def test_the_timeline_tells_the_whole_story(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    _, buyer = new_buyer(session, clock, client)
    order_id = place(client, buyer, item.sku.id).json()["id"]
    assert pay(client, buyer, order_id, "sim_declined").status_code == 402
    clock.advance(timedelta(minutes=1))
    assert pay(client, buyer, order_id).status_code == 201
    assert client.post(f"{API}/orders/{order_id}/cancel", headers=buyer).status_code == 200
    steps = client.get(f"{API}/orders/{order_id}/timeline", headers=buyer).json()
    assert [s["kind"] for s in steps] == [
        "placed",
        "payment_failed",
        "paid",
        "cancelled",
        "refunded",
    ]
    assert steps[1]["detail"]["failure_code"] == "card_declined"
    assert steps[3]["detail"]["by"] == "buyer"
    assert steps[4]["detail"]["amount_fen"] == item.sku.price_fen


def test_a_buyer_lists_only_their_own_orders_filtered_and_paginated(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    _, alice = new_buyer(session, clock, client)
    _, bob = new_buyer(session, clock, client)
    mine = [place(client, alice, item.sku.id).json()["id"] for _ in range(3)]
    place(client, bob, item.sku.id)
    assert pay(client, alice, mine[0]).status_code == 201
    page = client.get(f"{API}/orders", params={"limit": 2}, headers=alice).json()
    assert page["total"] == 3
    assert page["limit"] == 2
    assert [o["id"] for o in page["items"]] == [mine[2], mine[1]]
    rest = client.get(f"{API}/orders", params={"limit": 2, "offset": 2}, headers=alice).json()
    assert [o["id"] for o in rest["items"]] == [mine[0]]
    paid = client.get(f"{API}/orders", params={"status": "paid"}, headers=alice).json()
    assert [o["id"] for o in paid["items"]] == [mine[0]]
    bad = client.get(f"{API}/orders", params={"status": "lost"}, headers=alice)
    assert (bad.status_code, bad.json()["field"]) == (422, "status")
    too_many = client.get(f"{API}/orders", params={"limit": 101}, headers=alice)
    assert (too_many.status_code, too_many.json()["field"]) == (422, "limit")
    assert client.get(f"{API}/orders").status_code == 401


def test_the_shop_list_is_for_staff_and_puts_the_most_urgent_to_ship_first(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, ship_within_hours=24)
    _, buyer = new_buyer(session, clock, client)
    first = place(client, buyer, item.sku.id).json()["id"]
    second = place(client, buyer, item.sku.id).json()["id"]
    unpaid = place(client, buyer, item.sku.id).json()["id"]
    assert pay(client, buyer, second).status_code == 201
    clock.advance(timedelta(minutes=5))
    assert pay(client, buyer, first).status_code == 201
    staff = headers_of(client, item.staff)
    url = f"{API}/shops/{item.shop.id}/orders"
    to_ship = client.get(url, params={"status": "paid"}, headers=staff).json()
    assert [o["id"] for o in to_ship["items"]] == [second, first]
    assert all(o["ship_due_at"] is not None for o in to_ship["items"])
    everything = client.get(url, headers=staff).json()
    assert [o["id"] for o in everything["items"]] == [unpaid, second, first]
    assert everything["items"][0]["commission_fen"] == 0  # the shop sees the commission
    outsider = make_user(session, clock)
    session.flush()
    assert client.get(url, headers=headers_of(client, outsider)).status_code == 404
    assert client.get(url, headers=buyer).status_code == 404
    assert client.get(url).status_code == 401


def test_operators_list_every_order_with_filters(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    one = listing(session, clock)
    two = listing(session, clock)
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.flush()
    _, buyer = new_buyer(session, clock, client)
    a = place(client, buyer, one.sku.id).json()["id"]
    b = place(client, buyer, two.sku.id, traffic_source="search").json()["id"]
    ops = headers_of(client, operator)
    everything = client.get(f"{API}/admin/orders", headers=ops).json()
    assert [o["id"] for o in everything["items"]] == [b, a]
    by_shop = client.get(f"{API}/admin/orders", params={"shop_id": one.shop.id}, headers=ops)
    assert [o["id"] for o in by_shop.json()["items"]] == [a]
    by_source = client.get(
        f"{API}/admin/orders", params={"traffic_source": "search"}, headers=ops
    ).json()
    assert [o["id"] for o in by_source["items"]] == [b]
    assert client.get(f"{API}/admin/orders", headers=buyer).status_code == 403
    assert client.get(f"{API}/admin/orders").status_code == 401


def test_absurd_ids_are_422_not_500(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    _, buyer = new_buyer(session, clock, client)
    huge = 2**40
    for method, path, field in (
        ("GET", f"{API}/orders/{huge}", "order_id"),
        ("POST", f"{API}/orders/{huge}/cancel", "order_id"),
        ("POST", f"{API}/orders/{huge}/pay", "order_id"),
        ("GET", f"{API}/shops/{huge}/orders", "shop_id"),
        ("GET", f"{API}/orders/0/timeline", "order_id"),
    ):
        response = client.request(method, path, headers=buyer, json={"payment_method": "sim_ok"})
        assert (response.status_code, response.json()["field"]) == (422, field), path
    body = order_body(huge)
    response = client.post(f"{API}/orders", json=body, headers=buyer)
    assert (response.status_code, response.json()["field"]) == (422, "sku_id")
