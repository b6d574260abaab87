"""Carriers push tracking events: authenticated by key, idempotent by event id, refused whole when
one event is bad or foreign, tolerant of late and out-of-order scans."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.orders.models import Order
from shijing.commerce.shipping.models import Shipment, TrackingEvent
from shijing.core.clock import ManualClock
from shijing.core.outbox import OutboxEvent
from tests.commerce.shipping.support import (
    event_json,
    fresh,
    make_carrier,
    outbox,
    paid_order,
    ship,
    timeline_kinds,
)

URL = "/api/v1/carrier/tracking-events"
HOUR = timedelta(hours=1)


@pytest.fixture
def world(session: Session, clock: ManualClock) -> dict[str, Any]:
    sf, sf_key = make_carrier(session, clock, code="sf")
    zto, zto_key = make_carrier(session, clock, code="zto", name="中通快递")
    order = paid_order(session, clock)
    shipment = ship(session, clock, order, sf)
    foreign = ship(session, clock, paid_order(session, clock), zto)
    session.commit()
    return {
        "key": {"X-Carrier-Key": sf_key},
        "zto_key": {"X-Carrier-Key": zto_key},
        "order": order,
        "shipment": shipment,
        "foreign": foreign,
    }


def _push(client: TestClient, headers: dict[str, str], *events: dict[str, Any]) -> Any:
    return client.post(URL, json={"events": list(events)}, headers=headers)


def _stored(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(TrackingEvent)) or 0


def _outbox_size(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEvent)) or 0


def test_a_parcel_from_pickup_to_delivery_delivers_the_order(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    shipment: Shipment = world["shipment"]
    number = shipment.tracking_no
    shipped_at = clock.now()
    picked = shipped_at + HOUR
    clock.advance(30 * HOUR)
    delivered = clock.now() - HOUR
    cst = timezone(timedelta(hours=8))
    response = _push(
        client,
        world["key"],
        event_json(number, "picked_up", picked.astimezone(cst), location="杭州余杭"),
        event_json(number, "in_transit", picked + 5 * HOUR, location="杭州转运中心"),
        event_json(number, "delivered", delivered, location="南京鼓楼"),
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["applied"] * 3
    assert [r["status"] for r in results] == ["picked_up", "in_transit", "delivered"]

    shipment = fresh(session, shipment)
    assert (shipment.status, shipment.picked_up_at, shipment.delivered_at) == (
        "delivered",
        picked,
        delivered,
    )
    order: Order = fresh(session, world["order"])
    assert (order.status, order.delivered_at) == ("delivered", delivered)
    assert order.complete_due_at == delivered + timedelta(days=7)
    assert outbox(session, "order.delivered") == [
        {
            "order_id": order.id,
            "shop_id": order.shop_id,
            "buyer_id": order.buyer_id,
            "delivered_at": delivered.isoformat(),
            "picked_up_at": picked.isoformat(),
            "shipped_at": shipped_at.isoformat(),
            "delivery_hours": 29.0,
        }
    ]
    common = {
        "shipment_id": shipment.id,
        "order_id": order.id,
        "aftersale_id": None,
        "direction": "outbound",
        "carrier_code": "sf",
    }
    assert outbox(session, "shipment.picked_up") == [
        {**common, "at": picked.isoformat(), "inferred": False}
    ]
    assert outbox(session, "shipment.in_transit") == [
        {**common, "at": (picked + 5 * HOUR).isoformat()}
    ]
    assert outbox(session, "shipment.delivered") == [{**common, "at": delivered.isoformat()}]
    assert timeline_kinds(session, order.id) == [
        "shipped",
        "shipment_picked_up",
        "shipment_in_transit",
        "shipment_delivered",
        "delivered",
    ]


@pytest.mark.parametrize("headers", [{}, {"X-Carrier-Key": "shc_wrong"}, {"X-Carrier-Key": " "}])
def test_a_bad_or_missing_key_is_401_and_changes_nothing(
    client: TestClient,
    session: Session,
    clock: ManualClock,
    world: dict[str, Any],
    headers: dict[str, str],
) -> None:
    number = world["shipment"].tracking_no
    response = _push(client, headers, event_json(number, "delivered", clock.now()))
    assert response.status_code == 401
    assert response.json()["error"] == "bad_carrier_key"
    assert _stored(session) == 0
    assert fresh(session, world["shipment"]).status == "created"


def test_another_carriers_parcel_is_404_and_the_whole_batch_changes_nothing(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    before = _outbox_size(session)
    response = _push(
        client,
        world["key"],
        event_json(world["shipment"].tracking_no, "picked_up", clock.now()),
        event_json(world["foreign"].tracking_no, "delivered", clock.now()),
    )
    assert response.status_code == 404
    assert response.json()["field"] == "events.1.tracking_no"
    assert _stored(session) == 0
    assert _outbox_size(session) == before
    assert fresh(session, world["shipment"]).status == "created"
    assert fresh(session, world["foreign"]).status == "created"


def test_an_unknown_tracking_number_is_404(
    client: TestClient, clock: ManualClock, world: dict[str, Any]
) -> None:
    response = _push(client, world["key"], event_json("SF000000000", "picked_up", clock.now()))
    assert (response.status_code, response.json()["field"]) == (404, "events.0.tracking_no")


def test_a_redelivered_event_is_a_no_op(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    event = event_json(world["shipment"].tracking_no, "picked_up", clock.now(), event_id="E-1")
    assert _push(client, world["key"], event).status_code == 200
    size = _outbox_size(session)
    again = _push(client, world["key"], event, {**event, "kind": "delivered"})
    assert again.status_code == 200
    assert [r["outcome"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert _stored(session) == 1
    assert _outbox_size(session) == size
    assert fresh(session, world["shipment"]).status == "picked_up"


def test_the_same_event_id_twice_in_one_batch_counts_once(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    event = event_json(world["shipment"].tracking_no, "picked_up", clock.now(), event_id="E-2")
    response = _push(client, world["key"], event, event)
    assert [r["outcome"] for r in response.json()["results"]] == ["applied", "duplicate"]
    assert _stored(session) == 1


def test_a_little_clock_skew_is_tolerated_but_the_future_is_not(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    number = world["shipment"].tracking_no
    future = _push(
        client, world["key"], event_json(number, "picked_up", clock.now() + timedelta(minutes=6))
    )
    assert future.status_code == 422
    assert (future.json()["error"], future.json()["field"]) == ("invalid", "events.0.at")
    assert _stored(session) == 0
    skewed = _push(
        client, world["key"], event_json(number, "picked_up", clock.now() + timedelta(minutes=4))
    )
    assert skewed.status_code == 200


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"kind": "lost"}, "events.0.kind"),
        ({"at": "2026-11-29T04:00:00"}, "events.0.at"),
        ({"at": "yesterday"}, "events.0.at"),
        ({"event_id": ""}, "events.0.event_id"),
        ({"tracking_no": "SF 1"}, "events.0.tracking_no"),
        ({"location": "x" * 101}, "events.0.location"),
        ({"weight": 3}, "events.0.weight"),
    ],
)
def test_bad_events_are_422_naming_the_field(
    client: TestClient,
    session: Session,
    clock: ManualClock,
    world: dict[str, Any],
    patch: dict[str, Any],
    field: str,
) -> None:
    event = {**event_json(world["shipment"].tracking_no, "picked_up", clock.now()), **patch}
    response = _push(client, world["key"], event)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert _stored(session) == 0


@pytest.mark.parametrize(("body", "field"), [({"events": []}, "events"), ({}, "events")])
def test_an_empty_batch_is_422(
    client: TestClient, world: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = client.post(URL, json=body, headers=world["key"])
    assert (response.status_code, response.json()["field"]) == (422, field)


def test_delivered_before_any_scan_infers_the_pickup_and_a_late_scan_corrects_it(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    number = world["shipment"].tracking_no
    start = clock.now()
    clock.advance(24 * HOUR)
    delivered = _push(client, world["key"], event_json(number, "delivered", clock.now()))
    assert delivered.json()["results"][0]["outcome"] == "applied"
    shipment = fresh(session, world["shipment"])
    assert shipment.picked_up_at == clock.now()
    [pickup] = outbox(session, "shipment.picked_up")
    assert (pickup["inferred"], pickup["at"]) == (True, clock.now().isoformat())
    assert fresh(session, world["order"]).status == "delivered"

    late_scan = _push(client, world["key"], event_json(number, "picked_up", start + HOUR))
    result = late_scan.json()["results"][0]
    assert (result["outcome"], result["status"]) == ("recorded", "delivered")
    shipment = fresh(session, world["shipment"])
    assert shipment.picked_up_at == start + HOUR  # the real scan, for on-time pickup
    assert len(outbox(session, "shipment.picked_up")) == 1


def test_a_batch_is_applied_oldest_first_and_answered_in_order(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    number = world["shipment"].tracking_no
    start = clock.now()
    clock.advance(10 * HOUR)
    response = _push(
        client,
        world["key"],
        event_json(number, "delivered", start + 9 * HOUR, event_id="late"),
        event_json(number, "picked_up", start + HOUR, event_id="early"),
    )
    results = response.json()["results"]
    assert [(r["event_id"], r["outcome"]) for r in results] == [
        ("late", "applied"),
        ("early", "applied"),
    ]
    assert fresh(session, world["shipment"]).picked_up_at == start + HOUR
    assert outbox(session, "shipment.picked_up")[0]["inferred"] is False


def test_a_failed_delivery_is_retried_and_a_stale_scan_does_not_undo_it(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    number = world["shipment"].tracking_no
    t0 = clock.now()
    clock.advance(20 * HOUR)
    _push(client, world["key"], event_json(number, "picked_up", t0 + HOUR))
    failed = _push(client, world["key"], event_json(number, "failed_delivery", t0 + 12 * HOUR))
    assert failed.json()["results"][0]["status"] == "failed"
    assert fresh(session, world["shipment"]).failed_at == t0 + 12 * HOUR
    stale = _push(client, world["key"], event_json(number, "in_transit", t0 + 9 * HOUR))
    assert (stale.json()["results"][0]["outcome"], stale.json()["results"][0]["status"]) == (
        "recorded",
        "failed",
    )
    retry = _push(client, world["key"], event_json(number, "in_transit", t0 + 14 * HOUR))
    assert retry.json()["results"][0]["status"] == "in_transit"
    done = _push(client, world["key"], event_json(number, "delivered", t0 + 19 * HOUR))
    assert done.json()["results"][0]["status"] == "delivered"
    assert fresh(session, world["order"]).status == "delivered"
    [failure] = outbox(session, "shipment.failed")
    assert failure["at"] == (t0 + 12 * HOUR).isoformat()


def test_a_parcel_delivered_after_the_order_was_refunded_leaves_the_order_alone(
    client: TestClient, session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    order = fresh(session, world["order"])
    order.status = "refunded"
    session.commit()
    response = _push(
        client, world["key"], event_json(world["shipment"].tracking_no, "delivered", clock.now())
    )
    assert response.json()["results"][0]["outcome"] == "applied"
    assert fresh(session, world["shipment"]).status == "delivered"
    assert fresh(session, world["order"]).status == "refunded"
    assert outbox(session, "order.delivered") == []
    assert len(outbox(session, "shipment.delivered")) == 1
