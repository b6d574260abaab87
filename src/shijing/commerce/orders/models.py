"""Tables of the orders domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"  # fully refunded through an after-sale


class TrafficSource(StrEnum):
    LIVE_ROOM = "live_room"
    PUBLIC_FEED = "public_feed"
    FOLLOWERS_FEED = "followers_feed"
    SEARCH = "search"
    PRODUCT_PAGE = "product_page"
    DIRECT = "direct"


class Order(Base):
    """One SKU line bought by one buyer from one shop, with where the sale came from."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_orders_status_pay_due", "status", "pay_due_at"),
        Index("ix_orders_status_complete_due", "status", "complete_due_at"),
        Index("ix_orders_shop_status_ship_due", "shop_id", "status", "ship_due_at"),
        Index("ix_orders_buyer_status", "buyer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int]
    unit_price_fen: Mapped[int]
    total_fen: Mapped[int]
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("creators.id"), index=True)
    live_session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    traffic_source: Mapped[str] = mapped_column(String(20))
    distribution_plan_id: Mapped[int | None] = mapped_column(ForeignKey("distribution_plans.id"))
    commission_bps: Mapped[int] = mapped_column(default=0)
    commission_fen: Mapped[int] = mapped_column(default=0)
    ship_to_name: Mapped[str] = mapped_column(String(60))
    ship_to_phone: Mapped[str] = mapped_column(String(20))
    ship_to_province: Mapped[str] = mapped_column(String(20))
    ship_to_city: Mapped[str] = mapped_column(String(40))
    ship_to_address: Mapped[str] = mapped_column(String(200))
    # Keyed hashes (``fingerprints``), never the raw values: the client's device id when it sent
    # one, and the normalised ship-to address (province, city, street). Orders placed before
    # fingerprints were recorded have none.
    device_fp: Mapped[str | None] = mapped_column(String(64), index=True)
    address_fp: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PENDING_PAYMENT.value)
    placed_at: Mapped[datetime]
    pay_due_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    ship_due_at: Mapped[datetime | None]  # paid_at + the shop's ship-within promise
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    complete_due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(10))  # buyer, shop, system
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    refunded_fen: Mapped[int] = mapped_column(default=0)


class OrderEvent(Base):
    """The order's timeline: every transition and notable fact, with time and actor."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IdempotencyRecord(Base):
    """The first answer to a request made with an ``Idempotency-Key``, replayed for repeats."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
