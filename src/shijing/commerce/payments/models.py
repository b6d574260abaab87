"""Tables of the payments domain: the platform's view, and the simulated gateway's own books.

``payments``/``refunds``/``webhook_receipts`` are the platform's record of what the gateway told
it. ``gateway_*`` are what a real gateway keeps on its side (its charges, refunds and the webhooks
it still has to deliver); only ``payments.simulated`` touches them, so the two sets of books can be
reconciled against each other like a real settlement file.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class PaymentStatus(StrEnum):
    CAPTURED = "captured"  # money taken; partial refunds keep it here
    FAILED = "failed"  # declined by the gateway
    REFUNDED = "refunded"  # everything captured has been given back


class Payment(Base):
    """One attempt to pay an order (a declined attempt stays on record; a retry is a new row)."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("refunded_fen <= captured_fen", name="refund_within_capture"),
        Index("ix_payments_order_status", "order_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str] = mapped_column(String(64), unique=True)
    # The key sent to the gateway with the charge: a retried request finds the same charge.
    idempotency_key: Mapped[str] = mapped_column(String(140), unique=True)
    payment_method: Mapped[str] = mapped_column(String(64))
    # The keyed hash of the payment instrument (the method token stands in for one), so that
    # accounts paying with one card can be linked without storing the card.
    instrument_fp: Mapped[str | None] = mapped_column(String(64), index=True)
    amount_fen: Mapped[int]
    captured_fen: Mapped[int] = mapped_column(default=0)
    refunded_fen: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20))  # PaymentStatus
    failure_code: Mapped[str | None] = mapped_column(String(40))
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    captured_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    aftersale_id: Mapped[int | None] = mapped_column(index=True)
    amount_fen: Mapped[int]
    provider_ref: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class WebhookReceipt(Base):
    """A verified webhook from the gateway, kept so that redelivery is processed once."""

    __tablename__ = "webhook_receipts"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]


# -- the simulated gateway's side -------------------------------------------------------------


class GatewayCharge(Base):
    """The simulated gateway's own record of a charge (what a real gateway keeps on its side)."""

    __tablename__ = "gateway_charges"
    __table_args__ = (
        CheckConstraint("refunded_fen <= captured_fen", name="refund_within_capture"),
        CheckConstraint("captured_fen <= amount_fen", name="capture_within_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(140), unique=True)
    merchant_reference: Mapped[str] = mapped_column(String(64), index=True)
    payment_method: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int]
    captured_fen: Mapped[int] = mapped_column(default=0)
    refunded_fen: Mapped[int] = mapped_column(default=0)
    # authorized, captured, partially_refunded, refunded, voided, failed
    status: Mapped[str] = mapped_column(String(20))
    failure_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class GatewayRefund(Base):
    """A refund on the gateway's side; its idempotency key makes a retried refund a no-op."""

    __tablename__ = "gateway_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    charge_ref: Mapped[str] = mapped_column(String(64), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    amount_fen: Mapped[int]
    # What the merchant attached to the refund request, echoed in the webhook.
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class GatewayWebhook(Base):
    """A webhook the gateway owes the platform: signed and delivered until accepted."""

    __tablename__ = "gateway_webhooks"
    __table_args__ = (Index("ix_gateway_webhooks_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
