"""What the payments API gives."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    amount_fen: int
    reason: str
    aftersale_id: int | None
    created_at: datetime


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    provider: str
    status: str
    payment_method: str
    amount_fen: int
    captured_fen: int
    refunded_fen: int
    failure_code: str | None
    failure_reason: str | None
    captured_at: datetime | None
    created_at: datetime
    refunds: list[RefundOut] = []


class WebhookAckOut(BaseModel):
    event_id: str
    event_type: str
    duplicate: bool
