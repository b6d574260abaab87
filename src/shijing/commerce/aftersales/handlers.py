"""After-sales reacting to the world: returns delivered by the carrier, and deadlines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from shijing.commerce.aftersales import service
from shijing.commerce.shipping import events as shipping_events
from shijing.core.clock import Clock
from shijing.core.deadlines import due
from shijing.core.outbox import OutboxEvent, bus


@bus.subscribe(shipping_events.SHIPMENT_DELIVERED)
def on_return_delivered(session: Session, event: OutboxEvent, clock: Clock) -> None:
    payload = event.payload
    if payload.get("direction") != "return" or payload.get("aftersale_id") is None:
        return
    service.return_delivered(
        session,
        clock,
        aftersale_id=int(payload["aftersale_id"]),
        at=datetime.fromisoformat(payload["at"]),
    )


@due.register("aftersales.deadlines")
def run_aftersale_deadlines(session: Session, clock: Clock) -> int:
    return service.run_deadlines(session, clock)
