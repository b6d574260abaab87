"""The incremental detector as orders are paid (SQLite and PostgreSQL): the ring is flagged
while it is still ordering, honest buyers and loyal fans are not, a redelivered event flags
nothing twice, and the subscriber does nothing where live detection is switched off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.orders.models import Order
from shijing.core.clock import ManualClock
from shijing.core.outbox import OutboxEvent
from shijing.integrity import handlers
from shijing.integrity.models import IntegrityFlag
from shijing.integrity.settings import get_integrity_settings
from tests.integrity.markets import plant_market


@pytest.fixture(autouse=True)
def fresh_state() -> Iterator[None]:
    handlers.forget()  # each test's database starts empty: so does the detector's state
    yield
    handlers.forget()


def _live_flags(session: Session, kind: str) -> set[int]:
    return set(
        session.scalars(
            select(IntegrityFlag.subject_id).where(
                IntegrityFlag.subject_kind == kind,
                IntegrityFlag.detector == handlers.DETECTOR,
            )
        )
    )


def test_a_ring_is_flagged_while_it_orders(session: Session, clock: ManualClock) -> None:
    ring_paid: list[int] = []  # ring orders paid so far, when each flag was raised
    flagged_after: list[int] = []

    def paid(order: Order) -> None:
        session.flush()
        if order.device_fp and order.device_fp.startswith("ring-"):
            ring_paid.append(order.id)
        if handlers.check_paid_order(session, clock, order.id):
            flagged_after.append(len(ring_paid))

    market = plant_market(session, clock, on_order=paid, ring_accounts=20, ring_shops=6)
    ring = {u.id for u in market["ring"]}
    honest = {b.id for b in market["honest"]}
    buyers = _live_flags(session, "buyer")
    assert len(buyers & ring) >= 3
    assert not buyers & honest  # loyal fans and everyday buyers untouched
    assert _live_flags(session, "order") <= {o.id for o in market["ring_orders"]}
    assert min(flagged_after) < len(ring_paid)  # while the ring was still ordering
    flag = session.scalars(
        select(IntegrityFlag).where(IntegrityFlag.detector == handlers.DETECTOR)
    ).first()
    assert flag is not None
    assert (flag.source, flag.run_id, flag.definition_version) == ("integrity", None, "i1")
    assert flag.evidence["core_buyers"] >= 2

    # an event delivered twice adds its order once and flags nothing again
    before = len(session.scalars(select(IntegrityFlag)).all())
    for order in market["ring_orders"]:
        assert handlers.check_paid_order(session, clock, order.id) == []
    assert len(session.scalars(select(IntegrityFlag)).all()) == before


def test_the_subscriber_follows_the_setting(
    session: Session, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = plant_market(session, clock)
    event = OutboxEvent(name="order.paid", payload={"order_id": market["ring_orders"][-1].id})
    get_integrity_settings.cache_clear()
    monkeypatch.setenv("SHIJING_INTEGRITY_LIVE", "false")
    handlers.on_order_paid(session, event, clock)
    assert handlers._states == {}  # switched off: not even warmed
    get_integrity_settings.cache_clear()
    monkeypatch.setenv("SHIJING_INTEGRITY_LIVE", "true")
    handlers.on_order_paid(session, event, clock)
    assert handlers._states  # warmed from the database's paid orders
    get_integrity_settings.cache_clear()
