"""A simulated payment gateway that behaves like a real one.

It keeps its own books (``gateway_charges``, ``gateway_refunds``) apart from the platform's
``payments``, answers every money-moving call idempotently, declines the payment methods a test or
the simulator asks it to, and tells the platform what happened through HMAC-signed webhooks queued
in ``gateway_webhooks`` and delivered (with retries) by ``deliver_webhooks``.

Payment method tokens (a suffix such as ``sim_ok_buyer42`` is allowed):

=====================  ==============================================
``sim_ok``             authorised and captured
``sim_declined``       declined: ``card_declined``
``sim_insufficient``   declined: ``insufficient_funds``
anything else          422 on ``payment_method`` (no charge is created)
=====================  ==============================================
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.payments.models import GatewayCharge, GatewayRefund, GatewayWebhook
from shijing.commerce.payments.provider import (
    ChargeResult,
    RefundResult,
    sign_webhook,
    verify_signature,
    webhook_body,
)
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound

log = structlog.get_logger(__name__)

NAME = "simulated"
OK, DECLINED, INSUFFICIENT = "sim_ok", "sim_declined", "sim_insufficient"
_DECLINES = {
    DECLINED: ("card_declined", "the card was declined"),
    INSUFFICIENT: ("insufficient_funds", "the account has insufficient funds"),
}
MAX_DELIVERY_ATTEMPTS = 10


def _kind(token: str) -> str | None:
    for base in (OK, DECLINED, INSUFFICIENT):
        if token == base or token.startswith(base + "_"):
            return base
    return None


def _result(charge: GatewayCharge, message: str | None = None) -> ChargeResult:
    return ChargeResult(
        ref=charge.ref,
        status=charge.status,
        amount_fen=charge.amount_fen,
        captured_fen=charge.captured_fen,
        refunded_fen=charge.refunded_fen,
        idempotency_key=charge.idempotency_key,
        failure_code=charge.failure_code,
        failure_message=message
        or (_DECLINES.get(_kind(charge.payment_method) or "", (None, None))[1]),
    )


def _charge_view(charge: GatewayCharge) -> dict[str, Any]:
    return {
        "ref": charge.ref,
        "status": charge.status,
        "amount_fen": charge.amount_fen,
        "captured_fen": charge.captured_fen,
        "refunded_fen": charge.refunded_fen,
        "merchant_reference": charge.merchant_reference,
        "payment_method": charge.payment_method,
        "idempotency_key": charge.idempotency_key,
        "failure_code": charge.failure_code,
    }


class SimulatedGateway:
    """The built-in ``PaymentProvider``. ``secret`` signs its webhooks."""

    name = NAME

    def __init__(self, secret: str, *, tolerance_seconds: int = 300) -> None:
        self.secret = secret
        self.tolerance_seconds = tolerance_seconds

    # -- money -----------------------------------------------------------------------------

    def authorize(
        self,
        session: Session,
        clock: Clock,
        *,
        amount_fen: int,
        merchant_reference: str,
        payment_method: str,
        idempotency_key: str,
    ) -> ChargeResult:
        existing = session.scalar(
            select(GatewayCharge).where(GatewayCharge.idempotency_key == idempotency_key)
        )
        if existing is not None:
            if (existing.amount_fen, existing.merchant_reference, existing.payment_method) != (
                amount_fen,
                merchant_reference,
                payment_method,
            ):
                raise Conflict(
                    "this idempotency key was used for a different charge",
                    field="idempotency_key",
                    code="idempotency_mismatch",
                )
            return _result(existing)
        kind = _kind(payment_method)
        if kind is None:
            raise InvalidInput(
                "unknown payment method token",
                field="payment_method",
                code="invalid_payment_method",
            )
        if amount_fen <= 0:
            raise InvalidInput("must be at least 1 fen", field="amount_fen")
        now = clock.now()
        decline = _DECLINES.get(kind)
        charge = GatewayCharge(
            ref="ch_" + secrets.token_hex(12),
            idempotency_key=idempotency_key,
            merchant_reference=merchant_reference,
            payment_method=payment_method,
            amount_fen=amount_fen,
            captured_fen=0,
            refunded_fen=0,
            status="failed" if decline else "authorized",
            failure_code=decline[0] if decline else None,
            created_at=now,
            updated_at=now,
        )
        session.add(charge)
        session.flush()
        if decline:
            self._queue(session, clock, "charge.failed", charge)
        return _result(charge)

    def capture(
        self, session: Session, clock: Clock, *, ref: str, amount_fen: int | None = None
    ) -> ChargeResult:
        charge = self._charge(session, ref)
        amount = charge.amount_fen if amount_fen is None else amount_fen
        if charge.status in ("captured", "partially_refunded", "refunded"):
            if charge.captured_fen != amount:
                raise Conflict("the charge was already captured", field="ref", code="captured")
            return _result(charge)  # a retried capture
        if charge.status != "authorized":
            raise Conflict(f"cannot capture a {charge.status} charge", field="ref")
        if not 0 < amount <= charge.amount_fen:
            raise InvalidInput("must be between 1 and the authorised amount", field="amount_fen")
        charge.captured_fen = amount
        charge.status = "captured"
        charge.updated_at = clock.now()
        self._queue(session, clock, "charge.captured", charge)
        return _result(charge)

    def refund(
        self,
        session: Session,
        clock: Clock,
        *,
        ref: str,
        amount_fen: int,
        idempotency_key: str,
        metadata: dict[str, Any] | None = None,
    ) -> RefundResult:
        charge = self._charge(session, ref)
        existing = session.scalar(
            select(GatewayRefund).where(GatewayRefund.idempotency_key == idempotency_key)
        )
        if existing is not None:
            if (existing.charge_ref, existing.amount_fen) != (ref, amount_fen):
                raise Conflict(
                    "this idempotency key was used for a different refund",
                    field="idempotency_key",
                    code="idempotency_mismatch",
                )
            return self._refund_result(existing, charge)
        if charge.status not in ("captured", "partially_refunded"):
            raise Conflict(f"cannot refund a {charge.status} charge", field="ref")
        if amount_fen <= 0:
            raise InvalidInput("must be at least 1 fen", field="amount_fen")
        if amount_fen > charge.captured_fen - charge.refunded_fen:
            raise InvalidInput(
                "more than is left to refund on the charge",
                field="amount_fen",
                code="refund_exceeds_capture",
            )
        now = clock.now()
        refund = GatewayRefund(
            ref="re_" + secrets.token_hex(12),
            charge_ref=ref,
            idempotency_key=idempotency_key,
            amount_fen=amount_fen,
            meta=dict(metadata or {}),
            created_at=now,
        )
        session.add(refund)
        charge.refunded_fen += amount_fen
        charge.status = (
            "refunded" if charge.refunded_fen == charge.captured_fen else "partially_refunded"
        )
        charge.updated_at = now
        session.flush()
        self._queue(session, clock, "charge.refunded", charge, refund=refund)
        return self._refund_result(refund, charge)

    def void(self, session: Session, clock: Clock, *, ref: str) -> ChargeResult:
        charge = self._charge(session, ref)
        if charge.status == "voided":
            return _result(charge)
        if charge.status != "authorized":
            raise Conflict(f"cannot void a {charge.status} charge", field="ref")
        charge.status = "voided"
        charge.updated_at = clock.now()
        return _result(charge)

    # -- webhooks ----------------------------------------------------------------------------

    def verify_webhook(
        self, body: bytes, signature: str | None, *, now: datetime
    ) -> dict[str, Any]:
        return verify_signature(
            self.secret, body, signature, now=now, tolerance_seconds=self.tolerance_seconds
        )

    def sign(self, body: bytes, *, at: datetime) -> str:
        return sign_webhook(self.secret, body, int(at.timestamp()))

    def deliver_webhooks(
        self,
        session: Session,
        clock: Clock,
        receive: Callable[[bytes, str], object],
        *,
        limit: int = 100,
    ) -> int:
        """Sign and hand every due webhook to ``receive(body, signature)``; a webhook whose
        delivery raises is retried later with backoff. Returns how many were delivered."""
        now = clock.now()
        query = (
            select(GatewayWebhook)
            .where(GatewayWebhook.delivered_at.is_(None), GatewayWebhook.next_attempt_at <= now)
            .order_by(GatewayWebhook.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        delivered = 0
        for hook in session.scalars(query).all():
            body = webhook_body(hook.payload)
            try:
                with session.begin_nested():
                    receive(body, self.sign(body, at=now))
            except Exception as exc:  # the receiver's failure is the gateway's retry
                hook.attempts += 1
                hook.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                # Backoff 10 s, 20 s … ; after the last attempt the webhook is parked for a year.
                delay = timedelta(seconds=5 * 2**hook.attempts)
                if hook.attempts >= MAX_DELIVERY_ATTEMPTS:
                    delay = timedelta(days=365)
                hook.next_attempt_at = now + delay
                log.warning(
                    "gateway.webhook_delivery_failed",
                    event_id=hook.event_id,
                    attempts=hook.attempts,
                    error=str(exc),
                )
                continue
            hook.attempts += 1
            hook.delivered_at = now
            delivered += 1
        return delivered

    def event(
        self,
        session: Session,
        clock: Clock,
        event_type: str,
        charge_ref: str,
        refund_ref: str | None = None,
    ) -> dict[str, Any]:
        """A fresh event about a charge as the gateway would send it (tests, replays)."""
        charge = self._charge(session, charge_ref)
        refund = None
        if refund_ref is not None:
            refund = session.scalar(select(GatewayRefund).where(GatewayRefund.ref == refund_ref))
        return self._payload(clock, event_type, charge, refund)

    # -- internals ---------------------------------------------------------------------------

    def _charge(self, session: Session, ref: str) -> GatewayCharge:
        charge = session.scalar(
            select(GatewayCharge).where(GatewayCharge.ref == ref).with_for_update()
        )
        if charge is None:
            raise NotFound("no such charge", field="ref")
        return charge

    def _refund_result(self, refund: GatewayRefund, charge: GatewayCharge) -> RefundResult:
        return RefundResult(
            ref=refund.ref,
            charge_ref=charge.ref,
            amount_fen=refund.amount_fen,
            idempotency_key=refund.idempotency_key,
            charge_refunded_fen=charge.refunded_fen,
        )

    def _payload(
        self,
        clock: Clock,
        event_type: str,
        charge: GatewayCharge,
        refund: GatewayRefund | None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"charge": _charge_view(charge)}
        if refund is not None:
            data["refund"] = {
                "ref": refund.ref,
                "amount_fen": refund.amount_fen,
                "idempotency_key": refund.idempotency_key,
                "metadata": refund.meta,
            }
        return {
            "id": "evt_" + secrets.token_hex(12),
            "type": event_type,
            "created": int(clock.now().timestamp()),
            "data": data,
        }

    def _queue(
        self,
        session: Session,
        clock: Clock,
        event_type: str,
        charge: GatewayCharge,
        *,
        refund: GatewayRefund | None = None,
    ) -> None:
        payload = self._payload(clock, event_type, charge, refund)
        now = clock.now()
        session.add(
            GatewayWebhook(
                event_id=payload["id"],
                event_type=event_type,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
                attempts=0,
            )
        )
