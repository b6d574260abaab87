"""Return shipments for after-sales: buyer → shop, tracked like any parcel, never moving the order,
announcing pickup, delivery and failure for after-sales and guarantees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from shijing.commerce.shipping import service
from shijing.commerce.shipping.models import Carrier, Shipment
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from tests.commerce.shipping.support import (
    make_carrier,
    outbox,
    paid_order,
    report,
    timeline_kinds,
)


@pytest.fixture
def carrier(session: Session, clock: ManualClock) -> Carrier:
    return make_carrier(session, clock, code="sf")[0]


def _return(session: Session, clock: ManualClock, order_id: int, **kw: object) -> Shipment:
    args: dict[str, object] = {"aftersale_id": 41, "carrier_code": "sf", "tracking_no": "SF900001"}
    args.update(kw)
    return service.create_return_shipment(session, clock, order_id=order_id, **args)  # type: ignore[arg-type]


def test_a_return_goes_from_the_buyer_to_the_shop_and_never_moves_the_order(
    session: Session, clock: ManualClock, carrier: Carrier
) -> None:
    order = paid_order(session, clock, status="delivered")
    shipment = _return(session, clock, order.id, created_by_user_id=order.buyer_id)
    assert (shipment.direction, shipment.aftersale_id, shipment.status) == ("return", 41, "created")
    assert (shipment.from_province, shipment.to_province) == ("江苏", "浙江")
    assert shipment.created_by_user_id == order.buyer_id
    assert outbox(session, "shipment.created")[0]["direction"] == "return"
    assert service.shipments_of_aftersale(session, aftersale_id=41) == [shipment]

    t0 = clock.now()
    clock.advance(timedelta(days=2))
    results = service.record_tracking_events(
        session,
        clock,
        carrier,
        reports=[
            report(shipment, "picked_up", t0 + timedelta(hours=3)),
            report(shipment, "failed_delivery", t0 + timedelta(days=1)),
            report(shipment, "delivered", t0 + timedelta(days=1, hours=5)),
        ],
    )
    assert [r.outcome for r in results] == ["applied"] * 3
    assert shipment.status == "delivered"
    assert order.status == "delivered"
    assert outbox(session, "order.delivered") == []
    common = {
        "shipment_id": shipment.id,
        "order_id": order.id,
        "aftersale_id": 41,
        "direction": "return",
        "carrier_code": "sf",
    }
    assert outbox(session, "shipment.picked_up") == [
        {**common, "at": (t0 + timedelta(hours=3)).isoformat(), "inferred": False}
    ]
    assert outbox(session, "shipment.failed") == [
        {**common, "at": (t0 + timedelta(days=1)).isoformat()}
    ]
    assert outbox(session, "shipment.delivered") == [
        {**common, "at": (t0 + timedelta(days=1, hours=5)).isoformat()}
    ]
    assert timeline_kinds(session, order.id) == [
        "return_shipment_created",
        "shipment_picked_up",
        "shipment_failed",
        "shipment_delivered",
    ]


def test_a_return_first_seen_in_transit_still_announces_its_pickup(
    session: Session, clock: ManualClock, carrier: Carrier
) -> None:
    order = paid_order(session, clock, status="completed")
    shipment = _return(session, clock, order.id)
    service.record_tracking_events(
        session, clock, carrier, reports=[report(shipment, "in_transit", clock.now())]
    )
    [pickup] = outbox(session, "shipment.picked_up")
    assert (pickup["inferred"], pickup["aftersale_id"]) == (True, 41)
    assert shipment.picked_up_at == clock.now()


@pytest.mark.parametrize("status", ["pending_payment", "paid", "cancelled"])
def test_an_order_never_shipped_has_nothing_to_return(
    session: Session, clock: ManualClock, carrier: Carrier, status: str
) -> None:
    order = paid_order(session, clock, status=status)
    with pytest.raises(Conflict) as info:
        _return(session, clock, order.id)
    assert info.value.field == "order_id"
    assert service.shipments_of_aftersale(session, aftersale_id=41) == []


def test_refusals(session: Session, clock: ManualClock, carrier: Carrier) -> None:
    order = paid_order(session, clock, status="delivered")
    with pytest.raises(NotFound):
        _return(session, clock, 987_654)
    with pytest.raises(InvalidInput) as bad_carrier:
        _return(session, clock, order.id, carrier_code="ems")
    assert bad_carrier.value.field == "carrier_code"
    with pytest.raises(InvalidInput) as bad_number:
        _return(session, clock, order.id, tracking_no="nope")
    assert bad_number.value.field == "tracking_no"
    _return(session, clock, order.id)
    with pytest.raises(Conflict) as taken:
        _return(session, clock, order.id, aftersale_id=42)
    assert taken.value.field == "tracking_no"
