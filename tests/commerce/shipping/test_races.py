"""Racing requests, committed for real on both databases: one order ships once, one tracking
number is used once, one carrier event counts once."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from shijing.commerce.orders.models import Order
from shijing.commerce.shipping import service
from shijing.commerce.shipping.models import Carrier, Shipment, TrackingEvent
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import Conflict
from shijing.core.outbox import OutboxEvent
from tests.commerce.shipping.support import make_carrier, paid_order, ship

pytestmark = pytest.mark.committing
RACERS = 8


def _race(db: Database, attempt: Callable[[int], str]) -> list[str]:
    def run(n: int) -> str:
        try:
            return attempt(n)
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(run, range(RACERS)))


def _count(db: Database, model: type[object]) -> int:
    with db.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_an_order_ships_once(committing_db: Database, clock: ManualClock) -> None:
    with committing_db.transaction() as s:
        carrier, _ = make_carrier(s, clock, code="sf")
        order_id = paid_order(s, clock).id

    def attempt(n: int) -> str:
        with committing_db.transaction() as s:
            order = s.get(Order, order_id)
            assert order is not None
            ship(s, clock, order, s.get(Carrier, carrier.id), number=f"SF55500{n}")
        return "shipped"

    assert sorted(_race(committing_db, attempt)) == ["conflict"] * (RACERS - 1) + ["shipped"]
    assert _count(committing_db, Shipment) == 1


def test_a_tracking_number_is_used_once(committing_db: Database, clock: ManualClock) -> None:
    with committing_db.transaction() as s:
        carrier, _ = make_carrier(s, clock, code="sf")
        order_ids = [paid_order(s, clock).id for _ in range(RACERS)]

    def attempt(n: int) -> str:
        with committing_db.transaction() as s:
            order = s.get(Order, order_ids[n])
            assert order is not None
            ship(s, clock, order, s.get(Carrier, carrier.id), number="SF5550000")
        return "shipped"

    assert sorted(_race(committing_db, attempt)) == ["conflict"] * (RACERS - 1) + ["shipped"]
    assert _count(committing_db, Shipment) == 1


def test_a_redelivered_event_counts_once(committing_db: Database, clock: ManualClock) -> None:
    with committing_db.transaction() as s:
        carrier, _ = make_carrier(s, clock, code="sf")
        shipment = ship(s, clock, paid_order(s, clock), carrier)
        number = shipment.tracking_no

    def attempt(_: int) -> str:
        with committing_db.transaction() as s:
            [result] = service.record_tracking_events(
                s,
                clock,
                s.get(Carrier, carrier.id),
                reports=[service.TrackingReport("E-1", number, "picked_up", clock.now())],
            )
        return result.outcome.value

    outcomes = _race(committing_db, attempt)
    assert sorted(outcomes) == ["applied"] + ["duplicate"] * (RACERS - 1)
    assert _count(committing_db, TrackingEvent) == 1
    with committing_db.sessions() as s:
        emitted = s.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.name == "shipment.picked_up")
        )
    assert emitted == 1
