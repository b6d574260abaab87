"""Orders: placement with atomic stock reservation, cancellation, the unpaid deadline, queries.

Every transition goes through ``ORDER.next`` on an order read with ``lock_order``, is written to
the order's timeline and emits an outbox event in the same transaction. The money side (pay,
refund) is in ``billing``; access in ``access``. Both are re-exported here, so other domains
import everything they need from ``shijing.commerce.orders.service``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.catalog.purchasable import get_purchasable
from shijing.commerce.catalog.stock import release_stock, reserve_stock
from shijing.commerce.creators.terms import SaleTerms, sale_terms
from shijing.commerce.live.context import live_session_for_order
from shijing.commerce.orders import events as order_events
from shijing.commerce.orders import timeline
from shijing.commerce.orders.access import get_order_for, lock_order, lock_order_for, viewer_role
from shijing.commerce.orders.billing import (
    CANCEL_REFUND_REASON,
    apply_captured_payment,
    apply_refund,
    mark_paid,
    pay_order,
    paying_payment,
    refund_order,
    sync_refunded,
)
from shijing.commerce.orders.fingerprints import address_fingerprint, device_fingerprint
from shijing.commerce.orders.models import Order, OrderEvent, OrderStatus, TrafficSource
from shijing.commerce.orders.states import ORDER
from shijing.commerce.payments import service as payments
from shijing.commerce.payments.models import Payment, Refund
from shijing.commerce.payments.provider import PaymentProvider
from shijing.commerce.shops.access import is_shop_staff, require_shop_staff
from shijing.commerce.shops.regions import find_province
from shijing.core.clock import Clock
from shijing.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from shijing.core.money import percent_of
from shijing.core.outbox import emit
from shijing.core.pagination import PageParams, fetch_page
from shijing.core.settings import get_settings

if TYPE_CHECKING:
    from shijing.commerce.catalog.models import Product

__all__ = [
    "ShipTo",
    "apply_captured_payment",
    "apply_refund",
    "cancel_order",
    "cancel_unpaid_orders",
    "get_order_for",
    "list_all_orders",
    "list_buyer_orders",
    "list_shop_orders",
    "lock_order",
    "order_timeline_for",
    "pay_order",
    "paying_payment",
    "payment_of_order_for",
    "place_order",
    "refund_order",
    "viewer_role",
]

log = structlog.get_logger(__name__)

PHONE = re.compile(r"^1\d{10}$")
UNPAID_CANCEL_REASON = "unpaid_timeout"


@dataclass(frozen=True)
class ShipTo:
    name: str
    phone: str
    province: str
    city: str
    address: str


# -- placement --------------------------------------------------------------------------------


def _clean_ship_to(ship_to: ShipTo) -> ShipTo:
    fields = {
        "name": (ship_to.name.strip(), 60),
        "city": (ship_to.city.strip(), 40),
        "address": (ship_to.address.strip(), 200),
    }
    for name, (value, limit) in fields.items():
        if not value or len(value) > limit:
            raise InvalidInput(f"must be 1 to {limit} characters", field=f"ship_to.{name}")
    phone = ship_to.phone.strip()
    if not PHONE.match(phone):
        raise InvalidInput(
            "must be a mobile number: 11 digits starting with 1", field="ship_to.phone"
        )
    province = find_province(ship_to.province)
    if province is None:
        raise InvalidInput(
            "not a provincial-level division of China (e.g. 浙江, 北京, 内蒙古)",
            field="ship_to.province",
        )
    return ShipTo(
        name=fields["name"][0],
        phone=phone,
        province=province.short,
        city=fields["city"][0],
        address=fields["address"][0],
    )


def _sale_context(
    session: Session,
    *,
    source: TrafficSource,
    live_session_id: int | None,
    creator_id: int | None,
    product: Product,
) -> tuple[int | None, SaleTerms | None]:
    """The live session and the creator's terms the order records (422 when they do not fit)."""
    if source is TrafficSource.LIVE_ROOM:
        if live_session_id is None:
            raise InvalidInput(
                "a live_room order names the live session it came from",
                field="live_session_id",
                code="required",
            )
        live = live_session_for_order(
            session, live_session_id=live_session_id, product_id=product.id
        )
        if creator_id is not None and creator_id != live.creator_id:
            raise InvalidInput("this is not the live session's creator", field="creator_id")
        return live.id, sale_terms(session, creator_id=live.creator_id, product=product)
    if live_session_id is not None:
        raise InvalidInput(
            "only a live_room order comes from a live session", field="live_session_id"
        )
    if creator_id is None:
        return None, None
    return None, sale_terms(session, creator_id=creator_id, product=product)


def place_order(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    sku_id: int,
    quantity: int,
    traffic_source: TrafficSource | str,
    ship_to: ShipTo,
    live_session_id: int | None = None,
    creator_id: int | None = None,
    pay_within: timedelta | None = None,
    device_id: str | None = None,
) -> Order:
    """Place an order for ``quantity`` of a SKU at its current price and reserve the stock in
    the same transaction (409 ``out_of_stock`` when there is not enough). Unpaid after
    ``pay_within`` (the ``unpaid_cancel_minutes`` setting) it is cancelled. The client's
    ``device_id`` (at most 128 characters, no control characters) and the ship-to address are
    recorded as keyed fingerprints (``fingerprints``), never as they are."""
    sku, product, shop = get_purchasable(session, sku_id)
    if quantity < 1:
        raise InvalidInput("must be at least 1", field="quantity")
    if quantity > product.max_per_order:
        raise InvalidInput(
            f"at most {product.max_per_order} of this product per order",
            field="quantity",
            code="over_limit",
        )
    if is_shop_staff(session, principal, shop.id):
        raise InvalidInput(
            "you work for this shop and cannot buy from it", field="sku_id", code="own_shop"
        )
    try:
        source = TrafficSource(traffic_source)
    except ValueError:
        raise InvalidInput("unknown traffic source", field="traffic_source") from None
    address = _clean_ship_to(ship_to)
    device_fp = device_fingerprint(device_id)
    live_id, terms = _sale_context(
        session,
        source=source,
        live_session_id=live_session_id,
        creator_id=creator_id,
        product=product,
    )
    if pay_within is None:
        pay_within = timedelta(minutes=get_settings().unpaid_cancel_minutes)
    now = clock.now()
    total = sku.price_fen * quantity
    bps = terms.commission_bps if terms else 0
    order = Order(
        buyer_id=principal.id,
        shop_id=shop.id,
        product_id=product.id,
        sku_id=sku.id,
        category=product.category,
        quantity=quantity,
        unit_price_fen=sku.price_fen,
        total_fen=total,
        creator_id=terms.creator_id if terms else None,
        live_session_id=live_id,
        traffic_source=source.value,
        distribution_plan_id=terms.distribution_plan_id if terms else None,
        commission_bps=bps,
        commission_fen=percent_of(total, bps),
        ship_to_name=address.name,
        ship_to_phone=address.phone,
        ship_to_province=address.province,
        ship_to_city=address.city,
        ship_to_address=address.address,
        device_fp=device_fp,
        address_fp=address_fingerprint(address.province, address.city, address.address),
        status=OrderStatus.PENDING_PAYMENT.value,
        placed_at=now,
        pay_due_at=now + pay_within,
        refunded_fen=0,
    )
    session.add(order)
    session.flush()
    timeline.record(
        session,
        clock,
        order,
        "placed",
        actor_user_id=principal.id,
        quantity=quantity,
        unit_price_fen=sku.price_fen,
        total_fen=total,
        traffic_source=source.value,
        pay_due_at=order.pay_due_at.isoformat() if order.pay_due_at else None,
    )
    emit(
        session,
        clock,
        order_events.ORDER_PLACED,
        order_id=order.id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        product_id=order.product_id,
        sku_id=order.sku_id,
        creator_id=order.creator_id,
        live_session_id=order.live_session_id,
        traffic_source=order.traffic_source,
        quantity=quantity,
        unit_price_fen=order.unit_price_fen,
        total_fen=total,
        commission_fen=order.commission_fen,
        distribution_plan_id=order.distribution_plan_id,
        category=order.category,
        placed_at=now,
    )
    # The stock row is the contended one (a flash sale is many buyers on one SKU): write
    # everything else first, so that its lock is held only for the last statements before commit.
    session.flush()
    reserve_stock(session, clock, sku_id=sku.id, quantity=quantity, order_id=order.id)
    return order


# -- cancellation -----------------------------------------------------------------------------


def _cancel(
    session: Session,
    clock: Clock,
    order: Order,
    *,
    by: str,
    reason: str | None,
    actor_user_id: int | None,
    provider: PaymentProvider | None = None,
) -> None:
    was_paid = order.status != OrderStatus.PENDING_PAYMENT.value
    order.status = ORDER.next(order.status, "cancel_paid" if was_paid else "cancel_unpaid")
    now = clock.now()
    order.cancelled_at = now
    order.cancelled_by = by
    order.cancel_reason = reason
    release_stock(
        session,
        clock,
        sku_id=order.sku_id,
        quantity=order.quantity,
        order_id=order.id,
        reason="cancel",
    )
    timeline.record(
        session,
        clock,
        order,
        "cancelled",
        actor_user_id=actor_user_id,
        by=by,
        reason=reason,
        was_paid=was_paid,
    )
    emit(
        session,
        clock,
        order_events.ORDER_CANCELLED,
        order_id=order.id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        creator_id=order.creator_id,
        live_session_id=order.live_session_id,
        total_fen=order.total_fen,
        by=by,
        reason=reason,
        at=now,
        was_paid=was_paid,
    )
    paid_by = paying_payment(session, order) if was_paid else None
    if paid_by is not None and paid_by.captured_fen > paid_by.refunded_fen:
        refund = payments.refund_payment(
            session,
            clock,
            provider or payments.provider_for(paid_by.provider),
            payment=paid_by,
            amount_fen=paid_by.captured_fen - paid_by.refunded_fen,
            reason=CANCEL_REFUND_REASON,
            idempotency_key=f"order-{order.id}-cancel",
        )
        sync_refunded(session, clock, order, paid_by, refund, actor_user_id=actor_user_id)


def cancel_order(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    order_id: int,
    reason: str | None = None,
    provider: PaymentProvider | None = None,
) -> Order:
    """Cancel before shipping. The buyer: an unpaid order, or a paid one (refunded in full).
    The shop's staff: with a reason, recorded ``cancelled_by="shop"`` (it counts against the
    shop). Stock goes back either way. 409 once shipped."""
    order, role = lock_order_for(session, principal, order_id)
    if role == "operator":
        raise Forbidden("operators do not cancel orders; the buyer or the shop does")
    reason = (reason or "").strip() or None
    if role == "shop" and reason is None:
        raise InvalidInput("say why the shop cancels the order", field="reason", code="required")
    if order.status == OrderStatus.PENDING_PAYMENT.value:
        late = payments.captured_payment(session, order.id)
        if late is not None and late.captured_fen == order.total_fen:
            # Paid, but the news has not reached the order yet.
            mark_paid(session, clock, order, late, actor_user_id=None)
    _cancel(
        session,
        clock,
        order,
        by=role,
        reason=reason,
        actor_user_id=principal.id,
        provider=provider,
    )
    return order


def cancel_unpaid_orders(session: Session, clock: Clock, *, limit: int = 500) -> int:
    """The ``orders.cancel_unpaid`` deadline: cancel every order still unpaid at its
    ``pay_due_at`` and release its stock. An order whose payment was captured but not yet
    applied is paid instead. Returns how many orders it cancelled."""
    now = clock.now()
    due = session.scalars(
        select(Order.id)
        .where(Order.status == OrderStatus.PENDING_PAYMENT.value, Order.pay_due_at <= now)
        .order_by(Order.pay_due_at, Order.id)
        .limit(limit)
    ).all()
    cancelled = 0
    for order_id in due:
        try:
            with session.begin_nested():
                order = lock_order(session, order_id, skip_locked=True)
                if order is None or order.status != OrderStatus.PENDING_PAYMENT.value:
                    continue  # being paid right now, or already moved on
                late = payments.captured_payment(session, order.id)
                if late is not None and late.captured_fen == order.total_fen:
                    mark_paid(session, clock, order, late, actor_user_id=None)
                    continue
                _cancel(
                    session,
                    clock,
                    order,
                    by="system",
                    reason=UNPAID_CANCEL_REASON,
                    actor_user_id=None,
                )
                cancelled += 1
        except DomainError as exc:
            log.warning("orders.cancel_unpaid_failed", order_id=order_id, error=exc.message)
    return cancelled


# -- queries ----------------------------------------------------------------------------------


def _filtered(query: Select[Order], *, status: str | None) -> Select[Order]:
    if status is not None:
        if status not in {s.value for s in OrderStatus}:
            raise InvalidInput("unknown order status", field="status")
        query = query.where(Order.status == status)
    return query


def list_buyer_orders(
    session: Session, principal: Principal, *, status: str | None, page: PageParams
) -> tuple[list[Order], int]:
    """The caller's own orders, newest first."""
    query = _filtered(select(Order).where(Order.buyer_id == principal.id), status=status)
    return fetch_page(session, query.order_by(Order.id.desc()), page)


def list_shop_orders(
    session: Session,
    principal: Principal,
    *,
    shop_id: int,
    status: str | None,
    page: PageParams,
) -> tuple[list[Order], int]:
    """A shop's orders for its staff (and operators). ``status=paid`` is the "to ship" list,
    most urgent ``ship_due_at`` first; otherwise newest first."""
    require_shop_staff(session, principal, shop_id)
    query = _filtered(select(Order).where(Order.shop_id == shop_id), status=status)
    if status == OrderStatus.PAID.value:
        query = query.order_by(Order.ship_due_at, Order.id)
    else:
        query = query.order_by(Order.id.desc())
    return fetch_page(session, query, page)


def list_all_orders(
    session: Session,
    *,
    status: str | None = None,
    shop_id: int | None = None,
    buyer_id: int | None = None,
    creator_id: int | None = None,
    live_session_id: int | None = None,
    traffic_source: str | None = None,
    page: PageParams,
) -> tuple[list[Order], int]:
    """Every order, filtered (operators)."""
    query = _filtered(select(Order), status=status)
    for column, value in (
        (Order.shop_id, shop_id),
        (Order.buyer_id, buyer_id),
        (Order.creator_id, creator_id),
        (Order.live_session_id, live_session_id),
        (Order.traffic_source, traffic_source),
    ):
        if value is not None:
            query = query.where(column == value)
    return fetch_page(session, query.order_by(Order.id.desc()), page)


def order_timeline_for(session: Session, principal: Principal, order_id: int) -> list[OrderEvent]:
    order = get_order_for(session, principal, order_id)
    return timeline.timeline(session, order.id)


def payment_of_order_for(
    session: Session, principal: Principal, order_id: int
) -> tuple[Payment, list[Refund]]:
    """The payment that paid the order (or its latest attempt) and its refunds; 404 before any
    attempt."""
    order = get_order_for(session, principal, order_id)
    attempts = payments.payments_of_order(session, order.id)
    if not attempts:
        raise NotFound("the order has no payment yet", field="order_id")
    chosen = paying_payment(session, order) or attempts[-1]
    refunds = [r for r in payments.refunds_of_order(session, order.id) if r.payment_id == chosen.id]
    return chosen, refunds
