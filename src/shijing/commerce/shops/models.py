"""Tables of the shops domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class ShopStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class MemberRole(StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    main_category: Mapped[str] = mapped_column(String(40))
    return_province: Mapped[str] = mapped_column(String(20))
    return_city: Mapped[str] = mapped_column(String(40))
    return_address: Mapped[str] = mapped_column(String(200))
    ship_within_hours: Mapped[int] = mapped_column(default=48)
    status: Mapped[str] = mapped_column(String(12), default=ShopStatus.ACTIVE.value)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ShopMember(Base):
    __tablename__ = "shop_members"
    __table_args__ = (UniqueConstraint("shop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    joined_at: Mapped[datetime]


class ShopInvite(Base):
    """An invitation for an existing account to join a shop as staff; accepted by the invitee."""

    __tablename__ = "shop_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    invited_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
