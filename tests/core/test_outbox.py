from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.core.clock import Clock, ManualClock
from shijing.core.db import Database
from shijing.core.outbox import Dispatcher, EventBus, EventStatus, OutboxEvent, backoff, emit


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


def _events(db: Database) -> list[OutboxEvent]:
    with db.sessions() as s:
        return list(s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


def test_events_are_delivered_after_commit_and_marked_done(
    db: Database, clock: ManualClock, bus: EventBus
) -> None:
    seen: list[int] = []

    @bus.subscribe("order.placed")
    def record(session: Session, event: OutboxEvent, _clock: Clock) -> None:
        seen.append(event.payload["order_id"])

    with db.transaction() as s:
        emit(s, clock, "order.placed", order_id=7, at=clock.now())
    result = Dispatcher(db, clock, bus).run_once()
    assert (result.delivered, seen) == (1, [7])
    [event] = _events(db)
    assert event.status == EventStatus.DONE.value
    assert event.payload["at"] == clock.now().isoformat()
    assert Dispatcher(db, clock, bus).run_once().delivered == 0  # not delivered twice


def test_an_event_rolled_back_with_its_change_is_never_delivered(
    db: Database, clock: ManualClock, bus: EventBus
) -> None:
    def failing_change() -> None:
        with db.transaction() as s:
            emit(s, clock, "order.placed", order_id=1)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert _events(db) == []


def test_a_failing_subscriber_is_retried_with_backoff_and_others_run_once(
    db: Database, clock: ManualClock, bus: EventBus
) -> None:
    calls = {"good": 0, "flaky": 0}

    @bus.subscribe("x")
    def good(_s: Session, _e: OutboxEvent, _c: Clock) -> None:
        calls["good"] += 1

    @bus.subscribe("x")
    def flaky(_s: Session, _e: OutboxEvent, _c: Clock) -> None:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise ValueError("carrier API down")

    with db.transaction() as s:
        emit(s, clock, "x")
    dispatcher = Dispatcher(db, clock, bus)
    assert dispatcher.run_once().retried == 1
    assert dispatcher.run_once().retried == 0  # not due yet: backing off
    clock.advance(backoff(1))
    assert dispatcher.run_once().retried == 1
    clock.advance(backoff(2))
    assert dispatcher.run_once().delivered == 1
    assert calls == {"good": 1, "flaky": 3}
    [event] = _events(db)
    assert (event.status, event.attempts) == (EventStatus.DONE.value, 2)


def test_a_subscribers_writes_roll_back_when_it_fails(
    db: Database, clock: ManualClock, bus: EventBus
) -> None:
    @bus.subscribe("x")
    def half_done(session: Session, _e: OutboxEvent, c: Clock) -> None:
        emit(session, c, "side.effect")
        raise ValueError("boom")

    with db.transaction() as s:
        emit(s, clock, "x")
    Dispatcher(db, clock, bus).run_once()
    assert [e.name for e in _events(db)] == ["x"]


def test_an_event_that_keeps_failing_is_parked_without_blocking_others(
    db: Database, clock: ManualClock, bus: EventBus
) -> None:
    delivered: list[str] = []

    @bus.subscribe("poison")
    def always_fails(_s: Session, _e: OutboxEvent, _c: Clock) -> None:
        raise ValueError("never works")

    @bus.subscribe("fine")
    def works(_s: Session, e: OutboxEvent, _c: Clock) -> None:
        delivered.append(e.payload["n"])

    with db.transaction() as s:
        emit(s, clock, "poison")
        emit(s, clock, "fine", n="a")
    dispatcher = Dispatcher(db, clock, bus, max_attempts=3)
    for _ in range(5):
        dispatcher.run_once()
        clock.advance(timedelta(hours=1))
    with db.transaction() as s:
        emit(s, clock, "fine", n="b")
    dispatcher.run_once()
    statuses = {e.name + str(e.payload.get("n", "")): e.status for e in _events(db)}
    assert statuses == {"poison": "dead", "finea": "done", "fineb": "done"}
    assert delivered == ["a", "b"]
    assert "never works" in (_events(db)[0].last_error or "")


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert backoff(40) == timedelta(minutes=30)
