"""The shipment lifecycle: every edge of the table, and what a tracking event does from every
state (applied when the table allows it, kept as history otherwise)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.shipping import service
from shijing.commerce.shipping.models import ShipmentStatus, TrackingEvent, TrackingKind
from shijing.commerce.shipping.states import ACTION_OF_KIND, SHIPMENT
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict
from tests.commerce.shipping.support import make_carrier, outbox, paid_order, report, ship

EXPECTED = {
    ("created", "pick_up", "picked_up"),
    ("created", "transit", "in_transit"),
    ("picked_up", "transit", "in_transit"),
    ("failed", "transit", "in_transit"),
    ("created", "deliver", "delivered"),
    ("picked_up", "deliver", "delivered"),
    ("in_transit", "deliver", "delivered"),
    ("failed", "deliver", "delivered"),
    ("created", "fail", "failed"),
    ("picked_up", "fail", "failed"),
    ("in_transit", "fail", "failed"),
}


def test_the_table_is_the_documented_one() -> None:
    assert set(SHIPMENT.allowed()) == EXPECTED
    assert set(ACTION_OF_KIND) == {k.value for k in TrackingKind}


@pytest.mark.parametrize(("state", "action", "target"), sorted(EXPECTED))
def test_every_allowed_edge(state: str, action: str, target: str) -> None:
    assert SHIPMENT.next(state, action) == target


@pytest.mark.parametrize(("state", "action"), sorted(SHIPMENT.forbidden()))
def test_every_forbidden_edge_is_409(state: str, action: str) -> None:
    with pytest.raises(Conflict) as info:
        SHIPMENT.next(state, action)
    assert (info.value.status, info.value.field) == (409, "status")


KIND_OF_ACTION = {action: kind for kind, action in ACTION_OF_KIND.items()}
EVERY_PAIR = [(s.value, k.value) for s in ShipmentStatus for k in TrackingKind]


@pytest.mark.parametrize(("state", "kind"), EVERY_PAIR)
def test_a_tracking_event_from_every_state(
    session: Session, clock: ManualClock, state: str, kind: str
) -> None:
    """A new event is applied exactly when the table allows it; otherwise it is recorded as
    history, moves nothing and emits nothing (a carrier is never answered 409)."""
    carrier, _ = make_carrier(session, clock)
    order = paid_order(session, clock)
    shipment = ship(session, clock, order, carrier)
    earlier = clock.now()
    if state != "created":
        shipment.status = state
        shipment.status_at = earlier
        shipment.picked_up_at = earlier
    session.flush()
    clock.advance(timedelta(hours=1))
    emitted_before = len(
        outbox(session, f"shipment.{SHIPMENT.actions[ACTION_OF_KIND[kind]].target}")
    )

    [result] = service.record_tracking_events(
        session, clock, carrier, reports=[report(shipment, kind, clock.now())]
    )

    action = ACTION_OF_KIND[kind]
    target = SHIPMENT.actions[action].target
    stored = session.scalar(
        select(func.count())
        .select_from(TrackingEvent)
        .where(TrackingEvent.shipment_id == shipment.id)
    )
    assert stored == 1
    emitted = len(outbox(session, f"shipment.{target}")) - emitted_before
    if SHIPMENT.can(state, action):
        assert (result.outcome, shipment.status, shipment.status_at) == (
            "applied",
            target,
            clock.now(),
        )
        assert emitted == 1
    else:
        assert (result.outcome, shipment.status, shipment.status_at) == ("recorded", state, earlier)
        assert emitted == 0
