"""Tables of the after-sales domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class AfterSaleKind(StrEnum):
    REFUND_ONLY = "refund_only"
    RETURN_REFUND = "return_refund"
    EXCHANGE = "exchange"


class AfterSaleReason(StrEnum):
    NO_REASON_7D = "no_reason_7d"
    QUALITY = "quality"
    NOT_AS_DESCRIBED = "not_as_described"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    WRONG_ITEM = "wrong_item"
    COUNTERFEIT = "counterfeit"
    ALLERGY = "allergy"
    DEAD_ON_ARRIVAL = "dead_on_arrival"
    OTHER = "other"


class AfterSaleStatus(StrEnum):
    REQUESTED = "requested"  # waiting for the shop's answer (auto-approved at the deadline)
    AWAITING_RETURN = "awaiting_return"  # approved; the buyer is to send the goods back
    RETURN_SHIPPED = "return_shipped"
    RETURN_RECEIVED = "return_received"  # exchange: waiting for the replacement
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    REJECTED = "rejected"  # the buyer may escalate to arbitration within a window
    IN_ARBITRATION = "in_arbitration"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Fault(StrEnum):
    SHOP = "shop"
    BUYER = "buyer"
    CARRIER = "carrier"
    NONE = "none"


class AfterSale(Base):
    __tablename__ = "aftersales"
    __table_args__ = (Index("ix_aftersales_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    evidence_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    amount_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), index=True)
    opened_at: Mapped[datetime]
    respond_due_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    auto_approved: Mapped[bool] = mapped_column(default=False)
    reject_reason: Mapped[str | None] = mapped_column(String(300))
    return_shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    return_delivered_at: Mapped[datetime | None]
    return_received_at: Mapped[datetime | None]
    # The one deadline that applies in the current state (shop answer, buyer's return, shop's
    # receipt, escalation window); the due step acts on it.
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    refunded_at: Mapped[datetime | None]
    refunded_fen: Mapped[int] = mapped_column(default=0)
    escalated_at: Mapped[datetime | None]
    ruled_at: Mapped[datetime | None]
    ruled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ruling: Mapped[str | None] = mapped_column(String(10))  # refund, close
    fault: Mapped[str | None] = mapped_column(String(10))
    ruling_note: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None]


class AfterSaleEvent(Base):
    __tablename__ = "aftersale_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    aftersale_id: Mapped[int] = mapped_column(ForeignKey("aftersales.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
