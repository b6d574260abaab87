"""The orders domain's due step and event subscribers (imported by ``commerce/wiring.py``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shijing.commerce.orders import service
from shijing.commerce.payments import events as payment_events
from shijing.core.clock import Clock
from shijing.core.deadlines import due
from shijing.core.outbox import OutboxEvent, bus


@due.register("orders.cancel_unpaid")
def cancel_unpaid(session: Session, clock: Clock) -> int:
    """Cancel the orders left unpaid past ``pay_due_at`` and release their stock."""
    return service.cancel_unpaid_orders(session, clock)


@bus.subscribe(payment_events.PAYMENT_CAPTURED, name="orders.apply_captured_payment")
def on_payment_captured(session: Session, event: OutboxEvent, clock: Clock) -> None:
    """A capture the order has not heard of (the webhook came first): pay the order."""
    service.apply_captured_payment(session, clock, payment_id=int(event.payload["payment_id"]))


@bus.subscribe(payment_events.PAYMENT_REFUNDED, name="orders.apply_refund")
def on_payment_refunded(session: Session, event: OutboxEvent, clock: Clock) -> None:
    """A refund the order has not heard of: bring ``refunded_fen`` (and the state) up to date."""
    service.apply_refund(session, clock, refund_id=int(event.payload["refund_id"]))
