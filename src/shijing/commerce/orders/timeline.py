"""The order's timeline: one row per thing that happened to it, shown to buyer and shop."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.orders.models import Order, OrderEvent
from shijing.core.clock import Clock


def record(
    session: Session,
    clock: Clock,
    order: Order,
    kind: str,
    *,
    actor_user_id: int | None = None,
    **detail: Any,
) -> OrderEvent:
    event = OrderEvent(
        order_id=order.id, kind=kind, at=clock.now(), actor_user_id=actor_user_id, detail=detail
    )
    session.add(event)
    return event


def timeline(session: Session, order_id: int) -> list[OrderEvent]:
    return list(
        session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        )
    )
