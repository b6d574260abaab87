"""Integrity as orders are paid: the incremental brushing detector (``incremental``) sees every
paid order as it arrives, so a ring is flagged within minutes of starting, before it moves a
daily score or earns a badge; the daily batch run (``runs``) then settles what it found.

The detector's state lives in the process, one per database. A process that starts (or a worker
that takes over) warms it from the paid orders of the brushing window, in payment order; an
event delivered twice adds its order once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.orders import events as order_events
from shijing.commerce.orders.models import Order
from shijing.core.clock import Clock
from shijing.core.outbox import OutboxEvent, bus
from shijing.integrity import flags
from shijing.integrity.findings import FoundFlag
from shijing.integrity.incremental import EdgeVerdict, IncrementalDetector
from shijing.integrity.settings import get_integrity_settings
from shijing.integrity.versions import definition_of

DETECTOR = "brushing.incremental"


@dataclass
class LiveState:
    version: str
    detector: IncrementalDetector
    seen: set[int] = field(default_factory=set)  # order ids already added


_lock = threading.Lock()
_states: dict[str, LiveState] = {}


def forget() -> None:
    """Drop every database's state (tests; a process that switched databases)."""
    with _lock:
        _states.clear()


def _add(state: LiveState, order: Order) -> EdgeVerdict | None:
    state.seen.add(order.id)
    paid = order.paid_at or order.placed_at
    return state.detector.add_edge(order.buyer_id, order.shop_id, paid.timestamp(), order.total_fen)


def live_state(session: Session, clock: Clock) -> LiveState:
    """This database's detector, warmed from the window's paid orders on first use."""
    key = str(session.get_bind().engine.url)
    with _lock:
        state = _states.get(key)
        if state is not None:
            return state
        version, definition = definition_of(session, clock, None)
        state = LiveState(version, IncrementalDetector(definition.brushing.params()))
        since = clock.now() - timedelta(days=definition.brushing.window_days)
        for order in session.scalars(
            select(Order)
            .where(Order.paid_at.is_not(None), Order.paid_at >= since)
            .order_by(Order.paid_at, Order.id)
        ):
            _add(state, order)
        _states[key] = state
        return state


def _corroborated(session: Session, clock: Clock, order: Order) -> bool:
    """The live detector sees shape and timing only; before it flags, the order must also come
    from a young account or through a device another account used (the batch run, with the whole
    window, settles what this leaves out)."""
    _version, definition = definition_of(session, clock, None)
    buyer = session.get(User, order.buyer_id)
    young = timedelta(days=definition.brushing.corroborate_account_age_days)
    if buyer is not None and buyer.created_at >= (order.paid_at or clock.now()) - young:
        return True
    if order.device_fp is None:
        return False
    others = session.scalar(
        select(func.count(func.distinct(Order.buyer_id))).where(
            Order.device_fp == order.device_fp, Order.buyer_id != order.buyer_id
        )
    )
    return bool(others)


def check_paid_order(session: Session, clock: Clock, order_id: int) -> list[int]:
    """Add one paid order; flag it and its buyer when they joined the suspicious core (and
    something corroborates it).
        Returns the ids of the flags raised."""
    order = session.get(Order, order_id)
    if order is None or order.paid_at is None:
        return []
    state = live_state(session, clock)
    with _lock:
        if order.id in state.seen:
            return []
        verdict = _add(state, order)
    if verdict is None or not verdict.flagged or not _corroborated(session, clock, order):
        return []
    score = round(verdict.score, 4)
    evidence = {
        "suspicion": round(verdict.suspicion, 4),
        "core_buyers": verdict.core_buyers,
        "core_shops": verdict.core_shops,
    }
    wanted = [
        FoundFlag("order", order.id, DETECTOR, score, "brushing ring (seen as it happened)"),
        FoundFlag("buyer", order.buyer_id, DETECTOR, score, "member of a brushing ring"),
    ]
    known = flags.known_subjects(session, {"order", "buyer"}, {order.id, order.buyer_id})
    raised = []
    for found in wanted:
        if (found.subject_kind, found.subject_id) in known:
            continue
        found.evidence = evidence
        flag = flags.record_detected(
            session, clock, found, definition_version=state.version, run_id=None, block_id=None
        )
        raised.append(flag.id)
    return raised


@bus.subscribe(order_events.ORDER_PAID, name="integrity.live_brushing")
def on_order_paid(session: Session, event: OutboxEvent, clock: Clock) -> None:
    if not get_integrity_settings().live_enabled:
        return
    check_paid_order(session, clock, int(event.payload["order_id"]))
