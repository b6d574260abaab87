"""Event subscribers of the live domain (imported by ``commerce/wiring.py``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shijing.commerce.live import counters
from shijing.commerce.orders import events as order_events
from shijing.core.clock import Clock
from shijing.core.outbox import OutboxEvent, bus


@bus.subscribe(order_events.ORDER_PAID)
def count_live_sale(session: Session, event: OutboxEvent, clock: Clock) -> None:
    """Add a paid order that came from a live room to the room's orders and GMV, once.

    Payload: ``order_id``, ``live_session_id`` (null when the order did not come from a live
    room) and ``total_fen``. A payload missing those is a bug upstream: raising lets the outbox
    retry and finally park the event, where it can be seen."""
    payload = event.payload
    live_session_id = payload.get("live_session_id")
    if live_session_id is None:
        return
    order_id, total_fen = payload.get("order_id"), payload.get("total_fen")
    if not isinstance(order_id, int) or not isinstance(total_fen, int):
        raise ValueError(f"order.paid event {event.id} lacks an integer order_id or total_fen")
    counters.record_paid_order(
        session,
        clock,
        order_id=order_id,
        live_session_id=int(live_session_id),
        amount_fen=total_fen,
    )
