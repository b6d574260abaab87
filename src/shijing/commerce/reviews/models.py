"""Tables of the reviews domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("product_rating BETWEEN 1 AND 5", name="product_rating_range"),
        CheckConstraint("logistics_rating BETWEEN 1 AND 5", name="logistics_rating_range"),
        CheckConstraint("service_rating BETWEEN 1 AND 5", name="service_rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("creators.id"), index=True)
    product_rating: Mapped[int]
    logistics_rating: Mapped[int]
    service_rating: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    image_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    anonymous: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    editable_until: Mapped[datetime]
    updated_at: Mapped[datetime]
    followup_text: Mapped[str | None] = mapped_column(Text)
    followup_at: Mapped[datetime | None]
    shop_reply: Mapped[str | None] = mapped_column(Text)
    shop_replied_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(200))
