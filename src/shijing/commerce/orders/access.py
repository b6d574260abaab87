"""Who may see an order, and reading an order under a row lock before changing it.

An order is visible to its buyer, its shop's staff and operators; for everyone else it does not
exist (404). Every transition reads the order with ``lock_order`` first (a row lock on
PostgreSQL; SQLite runs one writer at a time), so it is decided on the current state.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.access import is_shop_staff
from shijing.core.errors import NotFound


def lock_order(session: Session, order_id: int, *, skip_locked: bool = False) -> Order | None:
    """The order, re-read under a row lock (PostgreSQL) so that a transition is decided on its
    current state; None when there is no such order (or, with ``skip_locked``, it is busy)."""
    return session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )


def viewer_role(session: Session, principal: Principal, order: Order) -> str | None:
    """``buyer``, ``shop`` (its staff), ``operator``, or None for everyone else."""
    if order.buyer_id == principal.id:
        return "buyer"
    if is_shop_staff(session, principal, order.shop_id):
        return "shop"
    if principal.is_operator:
        return "operator"
    return None


def get_order_for(session: Session, principal: Principal, order_id: int) -> Order:
    """The order if ``principal`` may see it: its buyer, its shop's staff, an operator; 404
    for anyone else (not yours looks exactly like not there)."""
    order = session.get(Order, order_id)
    if order is None or viewer_role(session, principal, order) is None:
        raise NotFound("no such order", field="order_id")
    return order


def lock_order_for(session: Session, principal: Principal, order_id: int) -> tuple[Order, str]:
    """The order under a row lock and the caller's role on it; 404 when it is not theirs."""
    order = lock_order(session, order_id)
    role = viewer_role(session, principal, order) if order is not None else None
    if order is None or role is None:
        raise NotFound("no such order", field="order_id")
    return order, role
