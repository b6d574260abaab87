"""The platform's side of payments: charge an order through a ``PaymentProvider``, refund it,
and take in the gateway's signed webhooks.

Both the synchronous answer of a gateway call and its webhook lead to the same two writers,
``_apply_charge`` and ``_apply_refund``, which are keyed on the gateway's references and
idempotency keys: whichever arrives first records the fact, the other finds it recorded. So the
payment state converges in any order, and a redelivered webhook changes nothing.

This domain knows orders only by id. The order side (paid, refunded) listens to the
``payment.captured`` and ``payment.refunded`` events, or is driven directly by
``orders.service`` for the synchronous path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.commerce.orders.fingerprints import fingerprint
from shijing.commerce.payments import events as payment_events
from shijing.commerce.payments.models import Payment, PaymentStatus, Refund, WebhookReceipt
from shijing.commerce.payments.provider import ChargeResult, PaymentProvider
from shijing.commerce.payments.simulated import NAME as SIMULATED
from shijing.commerce.payments.simulated import SimulatedGateway
from shijing.core.clock import Clock
from shijing.core.errors import InvalidInput, NotFound
from shijing.core.outbox import emit
from shijing.core.settings import Settings, get_settings

log = structlog.get_logger(__name__)

_MERCHANT_REFERENCE = re.compile(r"^order-(\d{1,18})$")


def provider_for(name: str = SIMULATED, settings: Settings | None = None) -> PaymentProvider:
    """The provider a payment was (or will be) made with."""
    settings = settings or get_settings()
    if name == SIMULATED:
        return SimulatedGateway(settings.payment_webhook_secret)
    raise ValueError(f"no payment provider named {name!r}")


def merchant_reference(order_id: int) -> str:
    return f"order-{order_id}"


def order_id_of(reference: str) -> int | None:
    match = _MERCHANT_REFERENCE.match(reference)
    return int(match.group(1)) if match else None


# -- queries ----------------------------------------------------------------------------------


def get_payment(session: Session, payment_id: int) -> Payment | None:
    return session.get(Payment, payment_id)


def get_refund(session: Session, refund_id: int) -> Refund | None:
    return session.get(Refund, refund_id)


def payments_of_order(session: Session, order_id: int) -> list[Payment]:
    return list(
        session.scalars(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id))
    )


def captured_payment(session: Session, order_id: int) -> Payment | None:
    """The payment that paid the order (the first captured one), if any."""
    return session.scalar(
        select(Payment)
        .where(
            Payment.order_id == order_id,
            Payment.status.in_([PaymentStatus.CAPTURED.value, PaymentStatus.REFUNDED.value]),
        )
        .order_by(Payment.id)
        .limit(1)
    )


def payment_by_idempotency_key(session: Session, key: str) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.idempotency_key == key))


def refunds_of_order(session: Session, order_id: int) -> list[Refund]:
    return list(
        session.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.id))
    )


def refunded_total(session: Session, order_id: int) -> int:
    """Everything refunded on the order so far, in fen."""
    total = session.scalar(
        select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(Refund.order_id == order_id)
    )
    return int(total or 0)


def refund_by_idempotency_key(session: Session, key: str) -> Refund | None:
    return session.scalar(select(Refund).where(Refund.idempotency_key == key))


# -- charging ---------------------------------------------------------------------------------


def charge_order(
    session: Session,
    clock: Clock,
    provider: PaymentProvider,
    *,
    order_id: int,
    amount_fen: int,
    payment_method: str,
    idempotency_key: str,
    context: Mapping[str, Any] | None = None,
) -> Payment:
    """Authorise and capture ``amount_fen`` for an order. A decline is not an exception: the
    returned payment is ``failed`` (and recorded, with a ``payment.failed`` event). ``context``
    (buyer and shop ids) is added to the events. Repeating a key returns the first payment."""
    existing = payment_by_idempotency_key(session, idempotency_key)
    if existing is not None:
        return existing
    result = provider.authorize(
        session,
        clock,
        amount_fen=amount_fen,
        merchant_reference=merchant_reference(order_id),
        payment_method=payment_method,
        idempotency_key=idempotency_key,
    )
    if result.status == "authorized":
        result = provider.capture(session, clock, ref=result.ref)
    payment = _apply_charge(
        session,
        clock,
        provider=provider.name,
        order_id=order_id,
        payment_method=payment_method,
        charge=result,
        context=context,
    )
    if payment is None:  # cannot happen for an order that exists
        raise NotFound("no such order", field="order_id")
    return payment


def _apply_charge(
    session: Session,
    clock: Clock,
    *,
    provider: str,
    order_id: int,
    payment_method: str,
    charge: ChargeResult,
    context: Mapping[str, Any] | None = None,
) -> Payment | None:
    """Record what the gateway says about a charge, once. None when the order is unknown."""
    if charge.status not in ("captured", "partially_refunded", "refunded", "failed"):
        return None  # authorised or voided charges do not concern the platform's books
    payment = session.scalar(select(Payment).where(Payment.provider_ref == charge.ref))
    now = clock.now()
    if payment is None:
        failed = charge.status == "failed"
        payment = Payment(
            order_id=order_id,
            provider=provider,
            provider_ref=charge.ref,
            idempotency_key=charge.idempotency_key,
            payment_method=payment_method,
            instrument_fp=fingerprint(payment_method) if payment_method else None,
            amount_fen=charge.amount_fen,
            captured_fen=0 if failed else charge.captured_fen,
            refunded_fen=0,
            status=PaymentStatus.FAILED.value if failed else PaymentStatus.CAPTURED.value,
            failure_code=charge.failure_code,
            failure_reason=charge.failure_message,
            captured_at=None if failed else now,
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():  # flushes what is pending first, then the savepoint
                session.add(payment)
                session.flush()
        except IntegrityError:  # the other path recorded it first, or the order is unknown
            payment = session.scalar(select(Payment).where(Payment.provider_ref == charge.ref))
            if payment is None:
                log.warning("payments.charge_for_unknown_order", order_id=order_id, ref=charge.ref)
            return payment
        extra = dict(context or {})
        if failed:
            emit(
                session,
                clock,
                payment_events.PAYMENT_FAILED,
                payment_id=payment.id,
                order_id=order_id,
                provider=provider,
                amount_fen=payment.amount_fen,
                failure_code=payment.failure_code,
                at=now,
                **extra,
            )
        else:
            emit(
                session,
                clock,
                payment_events.PAYMENT_CAPTURED,
                payment_id=payment.id,
                order_id=order_id,
                provider=provider,
                provider_ref=payment.provider_ref,
                amount_fen=payment.captured_fen,
                captured_at=now,
                **extra,
            )
    return payment


# -- refunds ----------------------------------------------------------------------------------


def refund_payment(
    session: Session,
    clock: Clock,
    provider: PaymentProvider,
    *,
    payment: Payment,
    amount_fen: int,
    reason: str,
    idempotency_key: str,
    aftersale_id: int | None = None,
) -> Refund:
    """Give back ``amount_fen`` of a captured payment through its gateway; never more than is
    left (422 on ``amount_fen``). Repeating a key returns the first refund."""
    existing = refund_by_idempotency_key(session, idempotency_key)
    if existing is not None:
        return existing
    left = payment.captured_fen - payment.refunded_fen
    if amount_fen <= 0:
        raise InvalidInput("must be at least 1 fen", field="amount_fen")
    if amount_fen > left:
        raise InvalidInput(
            f"at most {left} fen is left to refund", field="amount_fen", code="refund_too_large"
        )
    result = provider.refund(
        session,
        clock,
        ref=payment.provider_ref,
        amount_fen=amount_fen,
        idempotency_key=idempotency_key,
        metadata={"reason": reason, "aftersale_id": aftersale_id, "order_id": payment.order_id},
    )
    return _apply_refund(
        session,
        clock,
        payment=payment,
        ref=result.ref,
        amount_fen=result.amount_fen,
        idempotency_key=idempotency_key,
        reason=reason,
        aftersale_id=aftersale_id,
    )


def _apply_refund(
    session: Session,
    clock: Clock,
    *,
    payment: Payment,
    ref: str,
    amount_fen: int,
    idempotency_key: str,
    reason: str,
    aftersale_id: int | None,
) -> Refund:
    """Record a refund the gateway made, once (keyed on its reference)."""
    existing = session.scalar(select(Refund).where(Refund.provider_ref == ref))
    if existing is not None:
        return existing
    now = clock.now()
    refund = Refund(
        payment_id=payment.id,
        order_id=payment.order_id,
        aftersale_id=aftersale_id,
        amount_fen=amount_fen,
        provider_ref=ref,
        idempotency_key=idempotency_key,
        reason=reason[:40],
        created_at=now,
    )
    try:
        with session.begin_nested():  # flushes what is pending first, then the savepoint
            session.add(refund)
            session.flush()
    except IntegrityError:  # recorded meanwhile by the other path
        again = session.scalar(select(Refund).where(Refund.provider_ref == ref))
        if again is None:
            raise
        return again
    session.flush()  # nothing pending is lost by the locking re-read below
    session.refresh(payment, with_for_update=True)
    payment.refunded_fen += amount_fen
    if payment.refunded_fen >= payment.captured_fen:
        payment.status = PaymentStatus.REFUNDED.value
    payment.updated_at = now
    emit(
        session,
        clock,
        payment_events.PAYMENT_REFUNDED,
        payment_id=payment.id,
        order_id=payment.order_id,
        refund_id=refund.id,
        amount_fen=amount_fen,
        payment_refunded_fen=payment.refunded_fen,
        reason=refund.reason,
        aftersale_id=aftersale_id,
        at=now,
    )
    return refund


# -- webhooks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookOutcome:
    event_id: str
    event_type: str
    duplicate: bool


def receive_webhook(
    session: Session,
    clock: Clock,
    *,
    provider: PaymentProvider,
    body: bytes,
    signature: str | None,
) -> WebhookOutcome:
    """Verify a gateway webhook (400 when the signature is bad or stale, nothing written),
    record it once, and apply it. The HTTP endpoint and the simulated gateway's in-process
    delivery both come through here."""
    event = provider.verify_webhook(body, signature, now=clock.now())
    event_id, event_type = str(event["id"])[:64], str(event["type"])[:40]
    seen = session.scalar(
        select(WebhookReceipt.id).where(
            WebhookReceipt.provider == provider.name, WebhookReceipt.event_id == event_id
        )
    )
    if seen is not None:
        return WebhookOutcome(event_id, event_type, duplicate=True)
    receipt = WebhookReceipt(
        provider=provider.name,
        event_id=event_id,
        event_type=event_type,
        payload=event,
        received_at=clock.now(),
    )
    try:
        with session.begin_nested():  # flushes what is pending first, then the savepoint
            session.add(receipt)
            session.flush()
    except IntegrityError:  # the same event delivered twice at once
        return WebhookOutcome(event_id, event_type, duplicate=True)
    _apply_event(session, clock, provider, event_type, event["data"])
    return WebhookOutcome(event_id, event_type, duplicate=False)


def _apply_event(
    session: Session, clock: Clock, provider: PaymentProvider, event_type: str, data: Any
) -> None:
    charge_data = data.get("charge") if isinstance(data, dict) else None
    if not isinstance(charge_data, dict):
        log.warning("payments.webhook_without_charge", event_type=event_type)
        return
    try:
        charge = ChargeResult(
            ref=str(charge_data["ref"]),
            status=str(charge_data["status"]),
            amount_fen=int(charge_data["amount_fen"]),
            captured_fen=int(charge_data["captured_fen"]),
            refunded_fen=int(charge_data["refunded_fen"]),
            idempotency_key=str(charge_data["idempotency_key"]),
            failure_code=charge_data.get("failure_code"),
        )
        order_id = order_id_of(str(charge_data["merchant_reference"]))
        payment_method = str(charge_data.get("payment_method", ""))
    except (KeyError, TypeError, ValueError):
        log.warning("payments.webhook_malformed", event_type=event_type)
        return
    if order_id is None:
        log.warning("payments.webhook_unknown_reference", ref=charge.ref)
        return
    if event_type == "charge.captured":
        captured = replace(charge, status="captured")
        _apply_charge(
            session,
            clock,
            provider=provider.name,
            order_id=order_id,
            payment_method=payment_method,
            charge=captured,
        )
    elif event_type == "charge.failed":
        _apply_charge(
            session,
            clock,
            provider=provider.name,
            order_id=order_id,
            payment_method=payment_method,
            charge=charge,
        )
    elif event_type == "charge.refunded":
        _apply_refund_event(
            session, clock, provider, order_id, payment_method, charge, data.get("refund")
        )
    else:
        log.info("payments.webhook_ignored", event_type=event_type)


def _apply_refund_event(
    session: Session,
    clock: Clock,
    provider: PaymentProvider,
    order_id: int,
    payment_method: str,
    charge: ChargeResult,
    refund: Any,
) -> None:
    if not isinstance(refund, dict):
        log.warning("payments.refund_webhook_without_refund", ref=charge.ref)
        return
    payment = session.scalar(select(Payment).where(Payment.provider_ref == charge.ref))
    if payment is None:  # refunded before we heard of the capture: record the capture first
        captured = replace(charge, status="captured")
        payment = _apply_charge(
            session,
            clock,
            provider=provider.name,
            order_id=order_id,
            payment_method=payment_method,
            charge=captured,
        )
        if payment is None:
            return
    raw_meta = refund.get("metadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    aftersale = meta.get("aftersale_id")
    try:
        ref, amount = str(refund["ref"]), int(refund["amount_fen"])
        key = str(refund["idempotency_key"])[:100]
    except (KeyError, TypeError, ValueError):
        log.warning("payments.refund_webhook_malformed", ref=charge.ref)
        return
    _apply_refund(
        session,
        clock,
        payment=payment,
        ref=ref,
        amount_fen=amount,
        idempotency_key=key,
        reason=str(meta.get("reason") or "gateway"),
        aftersale_id=aftersale if isinstance(aftersale, int) else None,
    )
