"""Stock changes: atomic on both databases, and audited.

A reservation is one conditional UPDATE (``stock = stock - n WHERE stock >= n``): the database
serialises racing buyers on the row, so there is no read-then-write window and no oversell, on
PostgreSQL (row lock) and SQLite (one writer at a time) alike.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shijing.commerce.catalog import events as catalog_events
from shijing.commerce.catalog.models import Sku, StockMovement
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import emit


def _record(
    session: Session,
    clock: Clock,
    *,
    sku_id: int,
    delta: int,
    stock_after: int,
    reason: str,
    order_id: int | None = None,
    actor_user_id: int | None = None,
    note: str | None = None,
) -> None:
    session.add(
        StockMovement(
            sku_id=sku_id,
            delta=delta,
            stock_after=stock_after,
            reason=reason,
            order_id=order_id,
            actor_user_id=actor_user_id,
            note=note,
            created_at=clock.now(),
        )
    )
    emit(
        session,
        clock,
        catalog_events.STOCK_CHANGED,
        sku_id=sku_id,
        delta=delta,
        stock_after=stock_after,
        reason=reason,
        order_id=order_id,
    )


def _apply(session: Session, clock: Clock, sku_id: int, delta: int) -> int | None:
    """Add ``delta`` to the stock unless that would make it negative; the new stock or None."""
    stmt = (
        update(Sku)
        .where(Sku.id == sku_id, Sku.stock + delta >= 0)
        .values(stock=Sku.stock + delta, updated_at=clock.now())
        .returning(Sku.stock)
        .execution_options(synchronize_session=False)
    )
    new_stock = session.execute(stmt).scalar_one_or_none()
    if new_stock is not None:
        sku = session.identity_map.get(session.identity_key(Sku, sku_id))
        if sku is not None:
            session.expire(sku, ["stock", "updated_at"])
    return new_stock


def reserve_stock(
    session: Session, clock: Clock, *, sku_id: int, quantity: int, order_id: int | None = None
) -> int:
    """Take ``quantity`` units for an order; 409 ``out_of_stock`` when there are not enough."""
    if quantity <= 0:
        raise InvalidInput("must be at least 1", field="quantity")
    new_stock = _apply(session, clock, sku_id, -quantity)
    if new_stock is None:
        if session.get(Sku, sku_id) is None:
            raise NotFound("no such SKU", field="sku_id")
        raise Conflict("not enough stock for this quantity", field="quantity", code="out_of_stock")
    _record(
        session,
        clock,
        sku_id=sku_id,
        delta=-quantity,
        stock_after=new_stock,
        reason="reserve",
        order_id=order_id,
    )
    return new_stock


def release_stock(
    session: Session,
    clock: Clock,
    *,
    sku_id: int,
    quantity: int,
    order_id: int | None = None,
    reason: str = "release",
) -> int:
    """Give back units of a cancelled or returned order."""
    if quantity <= 0:
        raise InvalidInput("must be at least 1", field="quantity")
    new_stock = _apply(session, clock, sku_id, quantity)
    if new_stock is None:
        raise NotFound("no such SKU", field="sku_id")
    _record(
        session,
        clock,
        sku_id=sku_id,
        delta=quantity,
        stock_after=new_stock,
        reason=reason,
        order_id=order_id,
    )
    return new_stock


def adjust_stock(
    session: Session,
    clock: Clock,
    *,
    sku_id: int,
    delta: int,
    actor_user_id: int,
    note: str | None = None,
) -> int:
    """A merchant's restock (positive) or write-off (negative); never below zero."""
    if delta == 0:
        raise InvalidInput("must not be zero", field="delta")
    new_stock = _apply(session, clock, sku_id, delta)
    if new_stock is None:
        if session.get(Sku, sku_id) is None:
            raise NotFound("no such SKU", field="sku_id")
        raise Conflict("stock cannot go below zero", field="delta", code="stock_negative")
    _record(
        session,
        clock,
        sku_id=sku_id,
        delta=delta,
        stock_after=new_stock,
        reason="restock" if delta > 0 else "adjust",
        actor_user_id=actor_user_id,
        note=note,
    )
    return new_stock


def movements(session: Session, sku_id: int, limit: int = 100) -> list[StockMovement]:
    return list(
        session.scalars(
            select(StockMovement)
            .where(StockMovement.sku_id == sku_id)
            .order_by(StockMovement.id.desc())
            .limit(limit)
        )
    )
