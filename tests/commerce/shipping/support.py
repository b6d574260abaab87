"""Builders for shipping and fulfilment tests: carriers, shipped orders, tracking reports."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.accounts.models import User
from shijing.accounts.service import Principal
from shijing.commerce.orders.models import Order, OrderEvent
from shijing.commerce.shipping import service
from shijing.commerce.shipping.carriers import register_carrier
from shijing.commerce.shipping.models import Carrier, Shipment
from shijing.commerce.shipping.service import TrackingReport
from shijing.commerce.shops.models import Shop
from shijing.core.clock import Clock
from shijing.core.outbox import OutboxEvent
from tests.factories import make_order, make_product, make_shop, make_user

_seq = itertools.count(1)


def principal_of(session: Session, user: User) -> Principal:
    return Principal(user=user, roles=accounts.roles_of(session, user.id))


def make_carrier(
    session: Session, clock: Clock, *, code: str | None = None, name: str = "顺丰速运"
) -> tuple[Carrier, str]:
    return register_carrier(session, clock, code=code or f"c{next(_seq)}", name=name)


def tracking_no() -> str:
    return f"SF{100000000 + next(_seq)}"


def staffed_shop(session: Session, clock: Clock) -> tuple[Shop, User]:
    staff = make_user(session, clock)
    return make_shop(session, clock, staff=(staff,)), staff


def paid_order(
    session: Session,
    clock: Clock,
    *,
    shop: Shop | None = None,
    buyer: User | None = None,
    status: str = "paid",
) -> Order:
    shop = shop or make_shop(session, clock)
    product = make_product(session, clock, shop=shop)
    return make_order(session, clock, buyer=buyer, product=product, status=status)


def ship(
    session: Session,
    clock: Clock,
    order: Order,
    carrier: Carrier,
    *,
    number: str | None = None,
) -> Shipment:
    """Ship ``order`` through the service as its shop's owner."""
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    owner = session.get(User, shop.owner_user_id)
    assert owner is not None
    return service.ship_order(
        session,
        clock,
        principal_of(session, owner),
        order_id=order.id,
        carrier_code=carrier.code,
        tracking_no=number or tracking_no(),
    )


def report(
    shipment: Shipment,
    kind: str,
    at: datetime,
    *,
    event_id: str | None = None,
    location: str | None = None,
) -> TrackingReport:
    return TrackingReport(
        event_id=event_id or f"ev{next(_seq)}",
        tracking_no=shipment.tracking_no,
        kind=kind,
        at=at,
        location=location,
    )


def event_json(
    number: str, kind: str, at: datetime, *, event_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "event_id": event_id or f"ev{next(_seq)}",
        "tracking_no": number,
        "kind": kind,
        "at": at.isoformat(),
        **extra,
    }


def outbox(session: Session, name: str) -> list[dict[str, Any]]:
    """Payloads of the outbox events called ``name``, oldest first."""
    rows = session.scalars(
        select(OutboxEvent).where(OutboxEvent.name == name).order_by(OutboxEvent.id)
    )
    return [row.payload for row in rows]


def timeline_kinds(session: Session, order_id: int) -> list[str]:
    return list(
        session.scalars(
            select(OrderEvent.kind).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        )
    )


def fresh(session: Session, row: Any) -> Any:
    """``row`` reloaded from the database (after a request made in another session)."""
    session.expire_all()
    return session.get(type(row), row.id)
