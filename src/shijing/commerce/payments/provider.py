"""What the platform needs from a payment gateway, and the webhook signature both sides use.

A gateway authorises a charge against a payment method, captures it, refunds it (in full or in
part, never more than was captured), voids an authorisation that will not be captured, and tells
the platform what happened through signed webhooks. Every call that moves money carries an
idempotency key, so a retried request finds the first answer instead of charging twice.

Calls take the platform's ``session``: an external gateway ignores it; the simulated gateway keeps
its books there (so a rolled-back request leaves no charge behind in the embedded default).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.errors import DomainError

SIGNATURE_HEADER = "X-Shijing-Signature"
WEBHOOK_TOLERANCE_SECONDS = 300  # a signed body older (or newer) than this is refused


class InvalidSignature(DomainError):
    """A webhook whose signature is missing, forged or stale (400): nothing is processed."""

    status = 400
    code = "invalid_signature"


@dataclass(frozen=True)
class ChargeResult:
    ref: str
    status: str  # authorized, captured, partially_refunded, refunded, voided, failed
    amount_fen: int
    captured_fen: int
    refunded_fen: int
    idempotency_key: str
    failure_code: str | None = None
    failure_message: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status != "failed"


@dataclass(frozen=True)
class RefundResult:
    ref: str
    charge_ref: str
    amount_fen: int
    idempotency_key: str
    charge_refunded_fen: int


class PaymentProvider(Protocol):
    """A payment gateway as the platform sees it."""

    name: str

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
        """Reserve ``amount_fen`` on the payment method; a decline is a ``failed`` result, an
        unusable payment method is a 422 on ``payment_method``."""
        ...

    def capture(
        self, session: Session, clock: Clock, *, ref: str, amount_fen: int | None = None
    ) -> ChargeResult:
        """Take the authorised money (all of it by default)."""
        ...

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
        """Give back part or all of what was captured (422 on ``amount_fen`` beyond that)."""
        ...

    def void(self, session: Session, clock: Clock, *, ref: str) -> ChargeResult:
        """Release an authorisation that will not be captured."""
        ...

    def verify_webhook(
        self, body: bytes, signature: str | None, *, now: datetime
    ) -> dict[str, Any]:
        """The event in a webhook body, or ``InvalidSignature`` when it cannot be trusted."""
        ...


# -- signatures: HMAC-SHA256 over "<timestamp>.<raw body>" ---------------------------------------


def sign_webhook(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    now: datetime,
    tolerance_seconds: int = WEBHOOK_TOLERANCE_SECONDS,
) -> dict[str, Any]:
    """Check a ``t=…,v1=…`` header against the raw body and return the parsed JSON event."""
    if not header:
        raise InvalidSignature("the webhook is not signed", field=SIGNATURE_HEADER)
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature("the signature header is malformed", field=SIGNATURE_HEADER)
    expected = sign_webhook(secret, body, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise InvalidSignature("the signature does not match the body", field=SIGNATURE_HEADER)
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        raise InvalidSignature(
            "the signature is too old (or from the future); replays are refused",
            field=SIGNATURE_HEADER,
            code="stale_signature",
        )
    try:
        event = json.loads(body)
    except ValueError as exc:
        raise InvalidSignature("the webhook body is not JSON", field="body") from exc
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
        or not isinstance(event.get("data"), dict)
    ):
        raise InvalidSignature("the webhook body is not an event", field="body")
    return event


def webhook_body(event: dict[str, Any]) -> bytes:
    """The bytes a gateway sends for ``event`` (compact, stable key order)."""
    return json.dumps(event, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
