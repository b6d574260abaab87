"""Due steps of fulfilment, registered when ``commerce/wiring.py`` imports this module."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shijing.commerce.orders import fulfilment
from shijing.core.clock import Clock
from shijing.core.deadlines import due


@due.register("orders.auto_complete")
def auto_complete_orders(session: Session, clock: Clock) -> int:
    """Complete every delivered order whose buyer has not confirmed receipt in time."""
    return fulfilment.complete_due_orders(session, clock)
