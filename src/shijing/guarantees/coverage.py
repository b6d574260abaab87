"""Which guarantees an order carries, copied onto the order as promises.

Coverage is resolved as of the moment the order was placed: the catalogue version in force then,
the shop's badge then, the product's programme membership then. So the snapshot taken by the
``order.placed`` subscriber is the same whether it runs a millisecond or a day after the order,
and nothing that changes later (catalogue, badge, shop) weakens a promise already made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.commerce.orders.models import Order, OrderStatus
from shijing.core.clock import Clock
from shijing.core.errors import Conflict
from shijing.core.outbox import emit
from shijing.guarantees import catalogue as catalogues
from shijing.guarantees import events as guarantee_events
from shijing.guarantees import funds
from shijing.guarantees.catalogue import Catalogue, Guarantee
from shijing.guarantees.models import (
    BADGE_HOLDING,
    BadgeEvent,
    Enrolment,
    InspectionStatus,
    PhoneInspection,
    Promise,
)
from shijing.ledger import service as ledger
from shijing.ledger.service import Leg


def badge_held_at(session: Session, shop_id: int, at: datetime) -> bool:
    """Whether the shop carried the badge at ``at``, from its badge history."""
    status = session.scalar(
        select(BadgeEvent.status)
        .where(BadgeEvent.shop_id == shop_id, BadgeEvent.at <= at)
        .order_by(BadgeEvent.at.desc(), BadgeEvent.id.desc())
        .limit(1)
    )
    return status in BADGE_HOLDING


def phone_listed(
    session: Session, product_id: int, at: datetime, order_id: int | None = None
) -> bool:
    """Whether the product was a used phone listed in the warranty programme at ``at`` (for an
    order already placed, its own sale of the phone counts as listed)."""
    status_ok = PhoneInspection.status == InspectionStatus.LISTED.value
    if order_id is not None:
        status_ok = or_(status_ok, PhoneInspection.order_id == order_id)
    return (
        session.scalar(
            select(PhoneInspection.id)
            .where(
                PhoneInspection.product_id == product_id,
                PhoneInspection.inspected_at <= at,
                status_ok,
            )
            .limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class Offer:
    """A guarantee as it would be promised on a purchase, with its terms resolved."""

    guarantee: Guarantee
    version: str
    terms: dict[str, Any]
    premium_fen: int


def _terms(guarantee: Guarantee, version: str, total_fen: int) -> dict[str, Any]:
    terms = guarantee.model_dump(mode="json")
    terms["catalogue_version"] = version
    terms["order_total_fen"] = total_fen
    rule = guarantee.compensation
    if rule.kind == "postage_by_distance":
        terms["max_fen"] = rule.cap_fen
    elif rule.kind == "multiple_of_price":
        terms["max_fen"] = total_fen * (rule.multiple or 0)
    elif rule.kind == "refund":
        terms["max_fen"] = total_fen
    else:
        terms["max_fen"] = 0
    return terms


def offers(
    session: Session,
    clock: Clock,
    *,
    shop_id: int,
    product_id: int,
    category: str,
    total_fen: int,
    at: datetime | None = None,
    order_id: int | None = None,
) -> list[Offer]:
    """The guarantees a purchase of ``total_fen`` in ``category`` at ``at`` carries."""
    when = at or clock.now()
    version, catalogue = catalogues.in_force(session, clock, when)
    return _offers(
        session, catalogue, version, shop_id, product_id, category, total_fen, when, order_id
    )


def _offers(
    session: Session,
    catalogue: Catalogue,
    version: str,
    shop_id: int,
    product_id: int,
    category: str,
    total_fen: int,
    at: datetime,
    order_id: int | None = None,
) -> list[Offer]:
    badge: bool | None = None
    found: list[Offer] = []
    for guarantee in catalogue.guarantees:
        if not (guarantee.covers_category(category) and guarantee.covers_price(total_fen)):
            continue
        if guarantee.requires != "none":
            if badge is None:
                badge = badge_held_at(session, shop_id, at)
            if not badge:
                continue
        if guarantee.requires == "phone_programme" and not phone_listed(
            session, product_id, at, order_id
        ):
            continue
        premium = 0
        if guarantee.payer == "premium_pool":
            premium = (
                session.scalar(select(Enrolment.premium_fen).where(Enrolment.shop_id == shop_id))
                or 0
            )
        found.append(Offer(guarantee, version, _terms(guarantee, version, total_fen), premium))
    return found


def promises_of(session: Session, order_id: int) -> list[Promise]:
    return list(
        session.scalars(select(Promise).where(Promise.order_id == order_id).order_by(Promise.id))
    )


def promise_for(session: Session, order_id: int, code: str) -> Promise | None:
    return session.scalar(select(Promise).where(Promise.order_id == order_id, Promise.code == code))


def carries(session: Session, order: Order, code: str) -> bool:
    """Whether ``order`` carries guarantee ``code``, read-only: from its promises when they have
    been copied, otherwise resolved as of its placing (the ``order.placed`` subscriber may not
    have run yet — a shop can ship before the events are delivered)."""
    existing = promises_of(session, order.id)
    if existing:
        return any(p.code == code for p in existing)
    row = catalogues.in_force_row(session, order.placed_at)
    if row is None:  # nobody has used the catalogue yet: the default is in force
        version, catalogue = (
            catalogues.DEFAULT_VERSION,
            catalogues.parse_catalogue(catalogues.default_body()),
        )
    else:
        version, catalogue = row.version, catalogues.catalogue_of(row)
    found = _offers(
        session,
        catalogue,
        version,
        order.shop_id,
        order.product_id,
        order.category,
        order.total_fen,
        order.placed_at,
        order.id,
    )
    return any(o.guarantee.code == code for o in found)


def snapshot(session: Session, clock: Clock, order_id: int) -> list[Promise]:
    """Copy onto the order the guarantees it carried when placed. Safe to repeat."""
    existing = promises_of(session, order_id)
    if existing:
        return existing
    order = session.get(Order, order_id)
    if order is None:
        return []
    made = offers(
        session,
        clock,
        shop_id=order.shop_id,
        product_id=order.product_id,
        category=order.category,
        total_fen=order.total_fen,
        at=order.placed_at,
        order_id=order.id,
    )
    promises = [
        Promise(
            order_id=order.id,
            code=offer.guarantee.code,
            catalogue_version=offer.version,
            terms=offer.terms,
            premium_fen=offer.premium_fen,
            premium_charged=False,
            created_at=clock.now(),
        )
        for offer in made
    ]
    if not promises:
        return []
    try:
        with session.begin_nested():
            session.add_all(promises)
            session.flush()
    except IntegrityError:  # taken meanwhile by a concurrent delivery of the same event
        return promises_of(session, order_id)
    emit(
        session,
        clock,
        guarantee_events.GUARANTEE_PROMISED,
        order_id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        codes=[p.code for p in promises],
        catalogue_version=promises[0].catalogue_version,
    )
    return promises


def charge_premium(session: Session, clock: Clock, order_id: int) -> int:
    """A covered order is paid: the shop pays its return-postage premium into the pool (once)."""
    snapshot(session, clock, order_id)
    promise = session.scalar(
        select(Promise)
        .where(Promise.order_id == order_id, Promise.code == "return_postage")
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if promise is None or promise.premium_charged or promise.premium_fen <= 0:
        return 0
    order = session.get(Order, order_id)
    assert order is not None
    funds.ensure_shop(session, clock, order.shop_id)
    # Locked in id order before the balance is read. The fund is locked only when the deposit
    # is short: premiums come with every paid order and must not queue on the fund's row.
    accounts = [funds.deposit(order.shop_id), funds.PREMIUM_POOL]
    if funds.balance(session, funds.deposit(order.shop_id)) < promise.premium_fen:
        accounts += funds.shop_charge_accounts(order.shop_id)
    funds.lock(session, *accounts)
    legs, _ = funds.shop_charge_legs(session, order.shop_id, promise.premium_fen)
    if any(leg.account == funds.FUND for leg in legs) and funds.FUND not in accounts:
        # The deposit fell short between the read and the lock: retried, locks in order.
        raise Conflict("the deposit changed; retry", field="deposit", code="retry")
    ledger.post(
        session,
        clock,
        idempotency_key=f"premium:{order_id}",
        kind="premium",
        legs=[*legs, Leg(funds.PREMIUM_POOL, promise.premium_fen)],
        memo=f"return-postage premium for order {order_id}",
        meta={"order_id": order_id, "shop_id": order.shop_id},
    )
    promise.premium_charged = True
    session.flush()
    return promise.premium_fen


def open_promises(session: Session, clock: Clock, shop_id: int) -> int:
    """Orders of the shop still carrying a badge promise that can be claimed on: undelivered,
    or delivered within the promise's claim window. While there are any, the shop's deposit
    stays at its minimum even after it left the programme."""
    now = clock.now()
    windows: dict[str, int] = {}
    for promise_code, version in session.execute(
        select(Promise.code, Promise.catalogue_version)
        .join(Order, Order.id == Promise.order_id)
        .where(Order.shop_id == shop_id, Promise.code != "no_reason_7d")
        .distinct()
    ).all():
        terms = session.scalar(
            select(Promise.terms)
            .where(Promise.code == promise_code, Promise.catalogue_version == version)
            .limit(1)
        )
        hours = int((terms or {}).get("claim_window_hours", 0))
        windows[promise_code] = max(windows.get(promise_code, 0), hours)
    if not windows:
        return 0
    live = or_(
        *(
            and_(
                Promise.code == promise_code,
                or_(
                    Order.delivered_at.is_(None),
                    Order.delivered_at > now - timedelta(hours=hours),
                ),
            )
            for promise_code, hours in windows.items()
        )
    )
    count = session.scalar(
        select(func.count(func.distinct(Promise.order_id)))
        .join(Order, Order.id == Promise.order_id)
        .where(
            Order.shop_id == shop_id,
            Order.cancelled_at.is_(None),
            Order.paid_at.is_not(None),
            Order.status != OrderStatus.REFUNDED.value,  # all the money went back already
            live,
        )
    )
    return int(count or 0)
