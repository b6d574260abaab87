"""After-sales from request to money back, over HTTP, with deadlines and arbitration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.orders.models import Order
from shijing.commerce.payments.models import GatewayCharge
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.outbox import Dispatcher, OutboxEvent
from tests.commerce.aftersales.conftest import World
from tests.factories import api_login, buy_and_deliver, deliver_parcel, make_product, make_user

API = "/api/v1"
DAMAGED = {
    "kind": "refund_only",
    "reason": "damaged_in_transit",
    "description": "外箱压坏",
    "evidence_urls": ["https://img.example.com/box.jpg"],
}
NO_REASON = {"kind": "return_refund", "reason": "no_reason_7d"}


def _open(client: TestClient, world: World, body: dict[str, object]) -> dict[str, object]:
    response = client.post(
        f"{API}/orders/{world.order.id}/aftersales", json=body, headers=world.buyer_h
    )
    assert response.status_code == 201, response.text
    return response.json()


def _order(session: Session, order_id: int) -> Order:
    session.expire_all()
    order = session.get(Order, order_id)
    assert order is not None
    return order


def _gateway_refunded(session: Session) -> int:
    session.expire_all()
    return sum(c.refunded_fen for c in session.scalars(select(GatewayCharge)))


def test_refund_only_approved_by_the_shop_pays_back_through_the_gateway(
    client: TestClient, world: World, session: Session
) -> None:
    sale = _open(client, world, DAMAGED)
    assert (sale["status"], sale["amount_fen"]) == ("requested", 20_000)
    approved = client.post(f"{API}/aftersales/{sale['id']}/approve", headers=world.staff_h)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["refunded_fen"]) == ("refunded", 20_000)
    order = _order(session, world.order.id)
    assert (order.status, order.refunded_fen) == ("refunded", 20_000)
    assert _gateway_refunded(session) == 20_000
    names = set(session.scalars(select(OutboxEvent.name)))
    assert {"aftersale.requested", "aftersale.refund", "order.refunded"} <= names


def test_partial_refund_leaves_the_order_delivered(
    client: TestClient, world: World, session: Session
) -> None:
    sale = _open(client, world, {**DAMAGED, "amount_fen": 5_000})
    client.post(f"{API}/aftersales/{sale['id']}/approve", headers=world.staff_h)
    order = _order(session, world.order.id)
    assert (order.status, order.refunded_fen) == ("delivered", 5_000)
    too_much = client.post(
        f"{API}/orders/{world.order.id}/aftersales",
        json={**DAMAGED, "amount_fen": 15_001},
        headers=world.buyer_h,
    )
    assert (too_much.status_code, too_much.json()["field"]) == (422, "amount_fen")


def test_return_refund_goes_back_with_the_parcel(
    client: TestClient, world: World, session: Session, db: Database, clock: ManualClock
) -> None:
    sale = _open(client, world, NO_REASON)
    sid = sale["id"]
    assert (
        client.post(f"{API}/aftersales/{sid}/approve", headers=world.staff_h).json()["status"]
        == "awaiting_return"
    )
    shipped = client.post(
        f"{API}/aftersales/{sid}/return-shipment",
        json={"carrier_code": "sf", "tracking_no": "SFRETURN0001"},
        headers=world.buyer_h,
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "return_shipped"
    deliver_parcel(session, clock, carrier_code="sf", tracking_no="SFRETURN0001")
    session.commit()
    Dispatcher(db, clock).run_until_idle()
    assert (
        client.get(f"{API}/aftersales/{sid}", headers=world.buyer_h).json()["return_delivered_at"]
        is not None
    )
    received = client.post(f"{API}/aftersales/{sid}/receive", headers=world.staff_h)
    assert received.json()["status"] == "refunded"
    assert _order(session, world.order.id).status == "refunded"
    history = client.get(f"{API}/aftersales/{sid}/history", headers=world.buyer_h).json()
    assert [h["kind"] for h in history] == [
        "requested",
        "approve_return",
        "ship_return",
        "return_delivered",
        "receive_return",
        "refund",
    ]


def test_exchange_ends_with_the_replacement_shipped(
    client: TestClient, world: World, session: Session, clock: ManualClock
) -> None:
    sale = _open(client, world, {"kind": "exchange", "reason": "no_reason_7d"})
    sid = sale["id"]
    assert sale["amount_fen"] == 0
    client.post(f"{API}/aftersales/{sid}/approve", headers=world.staff_h)
    client.post(
        f"{API}/aftersales/{sid}/return-shipment",
        json={"carrier_code": "sf", "tracking_no": "SFRETURN0002"},
        headers=world.buyer_h,
    )
    client.post(f"{API}/aftersales/{sid}/receive", headers=world.staff_h)
    done = client.post(
        f"{API}/aftersales/{sid}/reship",
        json={"carrier_code": "sf", "tracking_no": "SFNEW000003"},
        headers=world.staff_h,
    )
    assert done.json()["status"] == "exchanged"
    assert _order(session, world.order.id).refunded_fen == 0


def test_unanswered_requests_are_approved_at_the_deadline(
    client: TestClient, world: World, db: Database, clock: ManualClock, session: Session
) -> None:
    sale = _open(client, world, DAMAGED)
    clock.advance(timedelta(hours=47))
    run_due(db, clock)
    assert (
        client.get(f"{API}/aftersales/{sale['id']}", headers=world.buyer_h).json()["status"]
        == "requested"
    )
    clock.advance(timedelta(hours=2))
    run_due(db, clock)
    after = client.get(f"{API}/aftersales/{sale['id']}", headers=world.buyer_h).json()
    assert (after["status"], after["auto_approved"]) == ("refunded", True)


def test_a_delivered_return_the_shop_never_confirms_is_received_automatically(
    client: TestClient, world: World, db: Database, clock: ManualClock, session: Session
) -> None:
    sid = _open(client, world, NO_REASON)["id"]
    client.post(f"{API}/aftersales/{sid}/approve", headers=world.staff_h)
    client.post(
        f"{API}/aftersales/{sid}/return-shipment",
        json={"carrier_code": "sf", "tracking_no": "SFRETURN0004"},
        headers=world.buyer_h,
    )
    deliver_parcel(session, clock, carrier_code="sf", tracking_no="SFRETURN0004")
    session.commit()
    Dispatcher(db, clock).run_until_idle()
    clock.advance(timedelta(days=7, minutes=1))
    run_due(db, clock)
    sale = session.get(AfterSale, sid)
    session.refresh(sale)
    assert sale is not None
    assert sale.status == "refunded"


def test_rejection_escalated_and_ruled_for_the_buyer(
    client: TestClient, world: World, session: Session
) -> None:
    sid = _open(client, world, DAMAGED)["id"]
    rejected = client.post(
        f"{API}/aftersales/{sid}/reject", json={"reason": "照片看不出破损"}, headers=world.staff_h
    )
    assert rejected.json()["status"] == "rejected"
    client.post(
        f"{API}/aftersales/{sid}/escalate",
        json={"statement": "快递签收时已拍照"},
        headers=world.buyer_h,
    )
    queue = client.get(f"{API}/admin/aftersales", headers=world.operator_h).json()
    assert [s["id"] for s in queue["items"]] == [sid]
    ruled = client.post(
        f"{API}/admin/aftersales/{sid}/rule",
        json={"ruling": "refund", "fault": "shop", "note": "签收照片可见破损"},
        headers=world.operator_h,
    )
    assert ruled.status_code == 200, ruled.text
    assert (ruled.json()["status"], ruled.json()["fault"]) == ("refunded", "shop")
    event = session.scalar(select(OutboxEvent).where(OutboxEvent.name == "aftersale.ruled"))
    assert event is not None
    assert event.payload["fault"] == "shop"


def test_ruling_for_the_shop_closes_and_refunds_nothing(
    client: TestClient, world: World, session: Session
) -> None:
    sid = _open(client, world, DAMAGED)["id"]
    client.post(
        f"{API}/aftersales/{sid}/reject", json={"reason": "人为损坏"}, headers=world.staff_h
    )
    client.post(
        f"{API}/aftersales/{sid}/escalate",
        json={"statement": "不是我弄坏的"},
        headers=world.buyer_h,
    )
    ruled = client.post(
        f"{API}/admin/aftersales/{sid}/rule",
        json={"ruling": "close", "fault": "buyer", "note": "视频显示人为摔坏"},
        headers=world.operator_h,
    )
    assert ruled.json()["status"] == "closed"
    assert _order(session, world.order.id).refunded_fen == 0
    assert _gateway_refunded(session) == 0


def test_ruling_for_the_buyer_on_a_return_waits_for_the_goods(
    client: TestClient, world: World
) -> None:
    sid = _open(client, world, NO_REASON)["id"]
    client.post(f"{API}/aftersales/{sid}/reject", json={"reason": "已拆封"}, headers=world.staff_h)
    client.post(
        f"{API}/aftersales/{sid}/escalate", json={"statement": "七天无理由"}, headers=world.buyer_h
    )
    ruled = client.post(
        f"{API}/admin/aftersales/{sid}/rule",
        json={"ruling": "refund", "fault": "shop", "note": "符合七天无理由"},
        headers=world.operator_h,
    )
    assert ruled.json()["status"] == "awaiting_return"


def test_a_rejection_not_escalated_in_time_closes(
    client: TestClient, world: World, db: Database, clock: ManualClock
) -> None:
    sid = _open(client, world, DAMAGED)["id"]
    client.post(f"{API}/aftersales/{sid}/reject", json={"reason": "no"}, headers=world.staff_h)
    clock.advance(timedelta(days=7, minutes=1))
    run_due(db, clock)
    fresh = api_login(client, world.buyer.email)
    assert client.get(f"{API}/aftersales/{sid}", headers=fresh).json()["status"] == "closed"


@pytest.mark.parametrize(
    ("body", "days", "status", "field", "code"),
    [
        (NO_REASON, 8, 409, "reason", "window_closed"),
        (
            {
                "kind": "refund_only",
                "reason": "quality",
                "evidence_urls": ["https://i.example/1.jpg"],
            },
            31,
            409,
            "reason",
            "window_closed",
        ),
        (
            {
                "kind": "refund_only",
                "reason": "dead_on_arrival",
                "evidence_urls": ["https://i.example/1.jpg"],
            },
            3,
            409,
            "reason",
            "window_closed",
        ),
        ({"kind": "refund_only", "reason": "no_reason_7d"}, 0, 422, "kind", "invalid"),
        ({"kind": "refund_only", "reason": "counterfeit"}, 0, 422, "evidence_urls", "invalid"),
        ({"kind": "refund_only", "reason": "sad"}, 0, 422, "reason", "invalid"),
        ({**DAMAGED, "amount_fen": 0}, 0, 422, "amount_fen", "invalid"),
        ({**DAMAGED, "evidence_urls": ["not a url"]}, 0, 422, "evidence_urls.0", "invalid"),
    ],
)
def test_bad_requests_name_the_field_and_write_nothing(
    client: TestClient,
    world: World,
    clock: ManualClock,
    session: Session,
    body: dict[str, object],
    days: int,
    status: int,
    field: str,
    code: str,
) -> None:
    clock.advance(timedelta(days=days))
    headers = api_login(client, world.buyer.email)
    response = client.post(f"{API}/orders/{world.order.id}/aftersales", json=body, headers=headers)
    assert (response.status_code, response.json()["field"], response.json()["error"]) == (
        status,
        field,
        code,
    )
    assert session.scalars(select(AfterSale)).all() == []


def test_fresh_food_takes_no_no_reason_returns(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    from shijing.accounts.models import User

    product = make_product(session, clock, category="fresh.seafood_live")
    buyer = make_user(session, clock)
    order = buy_and_deliver(session, clock, buyer=buyer, product=product)
    session.commit()
    response = client.post(
        f"{API}/orders/{order.id}/aftersales",
        json=NO_REASON,
        headers=api_login(client, session.get(User, buyer.id).email),
    )  # type: ignore[union-attr]
    assert (response.status_code, response.json()["error"]) == (422, "no_reason_exempt")


def test_one_open_after_sale_per_order(client: TestClient, world: World) -> None:
    _open(client, world, DAMAGED)
    again = client.post(
        f"{API}/orders/{world.order.id}/aftersales", json=DAMAGED, headers=world.buyer_h
    )
    assert (again.status_code, again.json()["error"]) == (409, "aftersale_open")


def test_undelivered_orders_have_no_after_sales(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    from tests.factories import make_order

    buyer = make_user(session, clock)
    order = make_order(session, clock, buyer=buyer, status="shipped")
    session.commit()
    response = client.post(
        f"{API}/orders/{order.id}/aftersales", json=DAMAGED, headers=api_login(client, buyer.email)
    )
    assert (response.status_code, response.json()["error"]) == (409, "not_delivered")


def test_who_may_see_and_act(client: TestClient, anon: TestClient, world: World) -> None:
    sid = _open(client, world, DAMAGED)["id"]
    url = f"{API}/aftersales/{sid}"
    for headers in (world.buyer_h, world.staff_h, world.operator_h):
        assert client.get(url, headers=headers).status_code == 200
    for headers in (world.stranger_h, world.other_staff_h):
        assert client.get(url, headers=headers).status_code == 404
        assert client.post(f"{url}/approve", headers=headers).status_code == 404
        assert client.post(f"{url}/withdraw", headers=headers).status_code == 404
    assert anon.get(url).status_code == 401
    assert client.post(f"{url}/approve", headers=world.buyer_h).status_code == 404
    assert client.post(f"{url}/withdraw", headers=world.staff_h).status_code == 404
    assert (
        client.post(
            f"{API}/admin/aftersales/{sid}/rule",
            json={"ruling": "refund", "fault": "shop", "note": "x y z"},
            headers=world.staff_h,
        ).status_code
        == 403
    )
    assert client.get(
        f"{API}/orders/{world.order.id}/aftersales", headers=world.buyer_h
    ).status_code in (404, 405)
    assert (
        client.post(
            f"{API}/orders/{world.order.id}/aftersales", json=DAMAGED, headers=world.stranger_h
        ).status_code
        == 404
    )
    queue = client.get(
        f"{API}/shops/{world.product.shop_id}/aftersales", headers=world.other_staff_h
    )
    assert queue.status_code == 404
