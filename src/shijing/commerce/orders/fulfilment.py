"""The order side of fulfilment: shipped, delivered, completed (the buyer confirms receipt, or the
``orders.auto_complete`` deadline does it for them).

Each transition is decided by ``ORDER.next`` on the order read under a row lock, and written as a
compare-and-set (``UPDATE … WHERE status = <the state we read>``), so a transition racing another
one (the buyer cancelling while the shop ships, the buyer confirming while the deadline completes)
loses cleanly with a 409 instead of overwriting it, on PostgreSQL and SQLite alike, even against
code that did not take the lock.

The shipping domain calls ``mark_shipped`` and ``mark_delivered``; the API of both lives in
``commerce/shipping/api.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from shijing.accounts.service import Principal
from shijing.commerce.orders import events as order_events
from shijing.commerce.orders import timeline
from shijing.commerce.orders.models import Order, OrderStatus
from shijing.commerce.orders.states import ORDER
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, NotFound
from shijing.core.outbox import emit

log = structlog.get_logger(__name__)


def get_order(session: Session, *, order_id: int) -> Order:
    """The order, re-read under a row lock (PostgreSQL) so that a transition is decided on its
    current state; 404 naming ``order_id`` when there is none (callers check who may act)."""
    order = session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("no such order", field="order_id")
    return order


def ensure_can(order: Order, action: str) -> None:
    """409 now, before anything is written, when the order's state forbids ``action``."""
    ORDER.next(order.status, action)


def _advance(session: Session, order: Order, action: str, **values: Any) -> None:
    """Apply ``action`` to the order as a compare-and-set on the state it was read in."""
    current = order.status
    target = ORDER.next(current, action)
    changed = session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == current)
        .values(status=target, **values)
        .returning(Order.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if changed is None:  # someone else moved the order since we read it
        session.refresh(order)
        ORDER.next(order.status, action)
        raise Conflict("the order changed meanwhile; try again", field="status", code="conflict")
    set_committed_value(order, "status", target)
    for name, value in values.items():
        set_committed_value(order, name, value)


def mark_shipped(
    session: Session,
    clock: Clock,
    order: Order,
    *,
    shipment_id: int,
    carrier_code: str,
    tracking_no: str,
    actor_user_id: int | None,
) -> Order:
    """``ship``: the shop handed the parcel to a carrier. Late when after ``ship_due_at``."""
    now = clock.now()
    _advance(session, order, "ship", shipped_at=now)
    late = order.ship_due_at is not None and now > order.ship_due_at
    timeline.record(
        session,
        clock,
        order,
        "shipped",
        actor_user_id=actor_user_id,
        shipment_id=shipment_id,
        carrier_code=carrier_code,
        tracking_no=tracking_no,
        late=late,
    )
    emit(
        session,
        clock,
        order_events.ORDER_SHIPPED,
        order_id=order.id,
        shop_id=order.shop_id,
        shipment_id=shipment_id,
        carrier_code=carrier_code,
        shipped_at=now,
        ship_due_at=order.ship_due_at,
        late=late,
    )
    return order


def mark_delivered(
    session: Session,
    clock: Clock,
    order: Order,
    *,
    shipment_id: int,
    delivered_at: datetime,
    picked_up_at: datetime | None,
    auto_complete_days: int,
) -> bool:
    """``deliver``: the outbound parcel reached the buyer (at the carrier's time). Starts the
    auto-complete countdown. False, changing nothing, when the order has left ``shipped`` in the
    meantime (refunded in full while in transit): the carrier's news is still true, and the
    shipment keeps it, but it no longer moves the order."""
    if not ORDER.can(order.status, "deliver"):
        log.info(
            "orders.delivery_not_applied",
            order_id=order.id,
            status=order.status,
            shipment_id=shipment_id,
        )
        return False
    complete_due_at = delivered_at + timedelta(days=auto_complete_days)
    _advance(session, order, "deliver", delivered_at=delivered_at, complete_due_at=complete_due_at)
    shipped_at = order.shipped_at
    hours = (delivered_at - shipped_at).total_seconds() / 3600 if shipped_at else 0.0
    timeline.record(
        session,
        clock,
        order,
        "delivered",
        shipment_id=shipment_id,
        delivered_at=delivered_at.isoformat(),
        complete_due_at=complete_due_at.isoformat(),
    )
    emit(
        session,
        clock,
        order_events.ORDER_DELIVERED,
        order_id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        delivered_at=delivered_at,
        picked_up_at=picked_up_at,
        shipped_at=shipped_at,
        delivery_hours=round(max(hours, 0.0), 2),
    )
    return True


def _complete(session: Session, clock: Clock, order: Order, *, by: str, actor: int | None) -> None:
    now = clock.now()
    _advance(session, order, "complete", completed_at=now)
    timeline.record(session, clock, order, "completed", actor_user_id=actor, by=by)
    emit(
        session,
        clock,
        order_events.ORDER_COMPLETED,
        order_id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        by=by,
        at=now,
    )


def confirm_receipt(
    session: Session, clock: Clock, principal: Principal, *, order_id: int
) -> Order:
    """``complete`` by the buyer: the goods arrived. Only the order's buyer may; others get 404."""
    order = get_order(session, order_id=order_id)
    if order.buyer_id != principal.id:
        raise NotFound("no such order", field="order_id")
    _complete(session, clock, order, by="buyer", actor=principal.id)
    return order


def complete_due_orders(session: Session, clock: Clock) -> int:
    """``complete`` by the system for every delivered order whose ``complete_due_at`` has come;
    returns how many it completed. An order completed meanwhile by its buyer is skipped."""
    now = clock.now()
    due = session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.DELIVERED.value, Order.complete_due_at <= now)
        .order_by(Order.complete_due_at, Order.id)
    ).all()
    done = 0
    for order in due:
        try:
            _complete(session, clock, order, by="system", actor=None)
        except Conflict:
            continue
        done += 1
    return done
