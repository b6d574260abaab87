"""Tables of the complaints domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class ComplaintCategory(StrEnum):
    COUNTERFEIT = "counterfeit"
    FALSE_ADVERTISING = "false_advertising"
    RUDE_SERVICE = "rude_service"
    DELIVERY_PROBLEM = "delivery_problem"
    OFF_PLATFORM_PAYMENT = "off_platform_payment"
    OTHER = "other"


class ComplaintStatus(StrEnum):
    OPEN = "open"
    UNDER_REVIEW = "under_review"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"


class Complaint(Base):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    complainant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(10))  # shop, creator
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), index=True)
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("creators.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(Text)
    evidence_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(14), default=ComplaintStatus.OPEN.value)
    created_at: Mapped[datetime]
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution_note: Mapped[str | None] = mapped_column(String(500))
