"""Tables of the creators domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class PlanStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class Creator(Base):
    """A creator's public profile. ``handle`` is stored lower-case, so it is unique regardless of
    case; ``follower_count`` changes only by atomic increments alongside a ``follows`` row."""

    __tablename__ = "creators"
    __table_args__ = (CheckConstraint("follower_count >= 0", name="followers_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    handle: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    follower_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class Follow(Base):
    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("creator_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]


class DistributionPlan(Base):
    """A shop's offer to any creator: sell this product and earn this commission."""

    __tablename__ = "distribution_plans"
    __table_args__ = (
        CheckConstraint("commission_bps >= 0 AND commission_bps <= 9000", name="commission_range"),
        Index("ix_distribution_plans_status_product_id", "status", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    commission_bps: Mapped[int]  # basis points of the order amount: 2000 = 20%
    status: Mapped[str] = mapped_column(String(10), default=PlanStatus.ACTIVE.value)
    created_at: Mapped[datetime]
    published_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
