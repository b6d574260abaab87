"""API shapes of the after-sales domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from shijing.commerce.aftersales.models import AfterSaleKind, AfterSaleReason, Fault


class AfterSaleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AfterSaleKind
    reason: AfterSaleReason
    description: str = Field(default="", max_length=1000)
    evidence_urls: Annotated[list[HttpUrl], Field(max_length=9)] = Field(default_factory=list)
    amount_fen: int | None = Field(default=None, ge=1, description="defaults to all still paid")


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=300)


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier_code: str = Field(min_length=2, max_length=20)
    tracking_no: str = Field(min_length=6, max_length=40)


class EscalateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement: str = Field(min_length=5, max_length=1000)


class RulingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ruling: Literal["refund", "close"]
    fault: Fault
    note: str = Field(min_length=3, max_length=500)


class AfterSaleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    shop_id: int
    buyer_id: int
    kind: str
    reason: str
    description: str
    evidence_urls: list[str]
    amount_fen: int
    status: str
    opened_at: datetime
    respond_due_at: datetime | None
    responded_at: datetime | None
    auto_approved: bool
    reject_reason: str | None
    due_at: datetime | None
    return_shipment_id: int | None
    return_delivered_at: datetime | None
    return_received_at: datetime | None
    refunded_at: datetime | None
    refunded_fen: int
    escalated_at: datetime | None
    ruled_at: datetime | None
    ruling: str | None
    fault: str | None
    ruling_note: str | None
    closed_at: datetime | None


class AfterSaleEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    at: datetime
    actor_user_id: int | None
    detail: dict[str, Any]


class AfterSalePage(BaseModel):
    items: list[AfterSaleOut]
    total: int
    limit: int
    offset: int
