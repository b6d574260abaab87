"""The money side of an order: paying it through the gateway, and refunding it.

``pay_order`` charges through a ``PaymentProvider`` and marks the order paid from the
synchronous answer; a capture heard of only through the gateway's webhook reaches the order
through ``apply_captured_payment`` (the ``payment.captured`` subscriber). Either way the order is
paid once, by its first captured payment, and a capture the order can no longer take (cancelled
meanwhile) is given back. ``refund_order`` is what after-sales calls.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import structlog
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.orders import events as order_events
from shijing.commerce.orders import timeline
from shijing.commerce.orders.access import lock_order, lock_order_for
from shijing.commerce.orders.models import Order, OrderStatus
from shijing.commerce.orders.states import ORDER
from shijing.commerce.payments import service as payments
from shijing.commerce.payments.models import Payment, PaymentStatus, Refund
from shijing.commerce.payments.provider import PaymentProvider
from shijing.commerce.shops.models import Shop
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from shijing.core.outbox import emit

log = structlog.get_logger(__name__)

CANCEL_REFUND_REASON = "order_cancelled"
ORPHAN_REFUND_REASON = "order_not_payable"


# -- payment ----------------------------------------------------------------------------------


def paying_payment(session: Session, order: Order) -> Payment | None:
    """The payment that paid the order: its first captured payment, once the order was paid."""
    if order.paid_at is None:
        return None
    return payments.captured_payment(session, order.id)


def mark_paid(
    session: Session, clock: Clock, order: Order, payment: Payment, *, actor_user_id: int | None
) -> None:
    """``pay``: the order is paid by ``payment``; the shop must ship within its promise."""
    order.status = ORDER.next(order.status, "pay")
    paid_at = payment.captured_at or clock.now()
    shop = session.get(Shop, order.shop_id)
    assert shop is not None  # a foreign key
    order.paid_at = paid_at
    order.ship_due_at = paid_at + timedelta(hours=shop.ship_within_hours)
    timeline.record(
        session,
        clock,
        order,
        "paid",
        actor_user_id=actor_user_id,
        payment_id=payment.id,
        amount_fen=payment.captured_fen,
        ship_due_at=order.ship_due_at.isoformat(),
    )
    emit(
        session,
        clock,
        order_events.ORDER_PAID,
        order_id=order.id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        creator_id=order.creator_id,
        live_session_id=order.live_session_id,
        total_fen=order.total_fen,
        paid_at=paid_at,
    )


def pay_order(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    order_id: int,
    payment_method: str,
    idempotency_key: str | None = None,
    provider: PaymentProvider | None = None,
) -> Payment:
    """Pay for an order through the gateway (the buyer only). A declined payment method gives
    a ``failed`` payment (recorded, ``payment.failed``); the order stays unpaid. Retrying with
    the same ``idempotency_key`` reaches the same gateway charge, so a request whose answer was
    lost (or whose webhook came first) converges instead of charging twice."""
    provider = provider or payments.provider_for()
    order, role = lock_order_for(session, principal, order_id)
    if role != "buyer":
        raise Forbidden("only the buyer pays for an order")
    gateway_key = f"order-{order.id}-pay-{idempotency_key or secrets.token_hex(16)}"
    earlier = payments.payment_by_idempotency_key(session, gateway_key)
    if earlier is not None:  # this very attempt reached the gateway before
        if earlier.status == PaymentStatus.FAILED.value:
            return earlier
        if order.status == OrderStatus.PENDING_PAYMENT.value:
            mark_paid(session, clock, order, earlier, actor_user_id=principal.id)
            return earlier
        paid_by = paying_payment(session, order)
        if paid_by is not None and paid_by.id == earlier.id:
            return earlier
        ORDER.next(order.status, "pay")  # cancelled meanwhile: 409 (the capture is given back)
    ORDER.next(order.status, "pay")
    if payments.captured_payment(session, order.id) is not None:
        raise Conflict("the order is already paid", field="status", code="already_paid")
    payment = payments.charge_order(
        session,
        clock,
        provider,
        order_id=order.id,
        amount_fen=order.total_fen,
        payment_method=payment_method,
        idempotency_key=gateway_key,
        context={"buyer_id": order.buyer_id, "shop_id": order.shop_id},
    )
    if payment.status == PaymentStatus.FAILED.value:
        timeline.record(
            session,
            clock,
            order,
            "payment_failed",
            actor_user_id=principal.id,
            payment_id=payment.id,
            failure_code=payment.failure_code,
        )
    elif order.status == OrderStatus.PENDING_PAYMENT.value:
        mark_paid(session, clock, order, payment, actor_user_id=principal.id)
    return payment


def apply_captured_payment(session: Session, clock: Clock, *, payment_id: int) -> None:
    """A capture heard of through the gateway's webhook: pay the order if it is still waiting;
    give the money back if the order can no longer take it (cancelled meanwhile, or paid by
    another payment). Safe to repeat."""
    payment = payments.get_payment(session, payment_id)
    if payment is None or payment.status != PaymentStatus.CAPTURED.value:
        return
    order = lock_order(session, payment.order_id)
    if order is None:
        return
    if (
        order.status == OrderStatus.PENDING_PAYMENT.value
        and payment.captured_fen == order.total_fen
    ):
        mark_paid(session, clock, order, payment, actor_user_id=None)
        return
    paid_by = paying_payment(session, order)
    if paid_by is not None and paid_by.id == payment.id:
        return
    left = payment.captured_fen - payment.refunded_fen
    if left <= 0:
        return
    refund = payments.refund_payment(
        session,
        clock,
        payments.provider_for(payment.provider),
        payment=payment,
        amount_fen=left,
        reason=ORPHAN_REFUND_REASON,
        idempotency_key=f"order-{order.id}-orphan-{payment.id}",
    )
    timeline.record(
        session,
        clock,
        order,
        "payment_returned",
        payment_id=payment.id,
        refund_id=refund.id,
        amount_fen=left,
        reason=ORPHAN_REFUND_REASON,
    )
    log.info("orders.orphan_payment_refunded", order_id=order.id, payment_id=payment.id)


# -- refunds ----------------------------------------------------------------------------------


def sync_refunded(
    session: Session,
    clock: Clock,
    order: Order,
    paid_by: Payment,
    refund: Refund,
    *,
    actor_user_id: int | None = None,
) -> None:
    """Bring ``orders.refunded_fen`` up to what was refunded on its paying payment; emit
    ``order.refunded`` for the increase and move the order with ``refund_in_full`` when all of
    it is back (unless it is cancelled, which already says so)."""
    total = paid_by.refunded_fen
    if total <= order.refunded_fen:
        return
    amount = total - order.refunded_fen
    order.refunded_fen = total
    in_full = total >= order.total_fen
    if in_full and ORDER.can(order.status, "refund_in_full"):
        order.status = ORDER.next(order.status, "refund_in_full")
    now = clock.now()
    timeline.record(
        session,
        clock,
        order,
        "refunded",
        actor_user_id=actor_user_id,
        refund_id=refund.id,
        amount_fen=amount,
        refunded_fen=total,
        reason=refund.reason,
        aftersale_id=refund.aftersale_id,
        in_full=in_full,
    )
    emit(
        session,
        clock,
        order_events.ORDER_REFUNDED,
        order_id=order.id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        creator_id=order.creator_id,
        refund_id=refund.id,
        aftersale_id=refund.aftersale_id,
        amount_fen=amount,
        refunded_fen=total,
        total_fen=order.total_fen,
        in_full=in_full,
        reason=refund.reason,
        status=order.status,
        at=now,
    )


def refund_order(
    session: Session,
    clock: Clock,
    *,
    order_id: int,
    amount_fen: int,
    reason: str,
    aftersale_id: int | None = None,
    idempotency_key: str,
    provider: PaymentProvider | None = None,
) -> Refund:
    """Refund part or all of a paid order through its gateway (for after-sales). Never more
    than paid minus already refunded (422 on ``amount_fen``); 409 when the order's state allows
    no refund (unpaid, cancelled, already refunded). When everything is back the order moves
    with ``refund_in_full``. The same ``idempotency_key`` returns the same refund."""
    key = idempotency_key.strip()
    if not key or len(key) > 100:
        raise InvalidInput("must be 1 to 100 characters", field="idempotency_key")
    reason = reason.strip()
    if not reason or len(reason) > 40:
        raise InvalidInput("must be 1 to 40 characters", field="reason")
    order = lock_order(session, order_id)
    if order is None:
        raise NotFound("no such order", field="order_id")
    existing = payments.refund_by_idempotency_key(session, key)
    if existing is not None:
        if existing.order_id != order.id:
            raise InvalidInput(
                "this key was used for a refund of another order", field="idempotency_key"
            )
        return existing
    if not ORDER.can(order.status, "refund_in_full"):
        ORDER.next(order.status, "refund_in_full")  # raises the 409 naming the state
    paid_by = paying_payment(session, order)
    if paid_by is None:
        raise Conflict("the order has no captured payment", field="status", code="not_paid")
    left = paid_by.captured_fen - paid_by.refunded_fen
    if amount_fen <= 0 or amount_fen > left:
        raise InvalidInput(
            f"must be between 1 and {left} fen (paid minus already refunded)",
            field="amount_fen",
            code="refund_too_large" if amount_fen > 0 else "invalid",
        )
    refund = payments.refund_payment(
        session,
        clock,
        provider or payments.provider_for(paid_by.provider),
        payment=paid_by,
        amount_fen=amount_fen,
        reason=reason,
        idempotency_key=key,
        aftersale_id=aftersale_id,
    )
    sync_refunded(session, clock, order, paid_by, refund)
    return refund


def apply_refund(session: Session, clock: Clock, *, refund_id: int) -> None:
    """A refund heard of through the gateway's webhook: bring the order up to date. Safe to
    repeat (the ``payment.refunded`` subscriber)."""
    refund = payments.get_refund(session, refund_id)
    if refund is None:
        return
    order = lock_order(session, refund.order_id)
    if order is None:
        return
    paid_by = paying_payment(session, order)
    if paid_by is None or paid_by.id != refund.payment_id:
        return
    sync_refunded(session, clock, order, paid_by, refund)
