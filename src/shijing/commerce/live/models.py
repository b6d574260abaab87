"""Tables of the live domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class LiveStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


class LiveSession(Base):
    """One stream. Counters (viewers, orders, GMV) change only by atomic UPDATEs."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        CheckConstraint("viewer_count >= 0", name="viewers_not_negative"),
        Index("ix_live_sessions_status_scheduled_at", "status", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default=LiveStatus.SCHEDULED.value, index=True)
    scheduled_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    stream_url: Mapped[str | None] = mapped_column(String(500))
    pinned_item_id: Mapped[int | None]  # the showcase item now being presented
    viewer_count: Mapped[int] = mapped_column(default=0)
    peak_viewers: Mapped[int] = mapped_column(default=0)
    orders_count: Mapped[int] = mapped_column(default=0)
    gmv_fen: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class ShowcaseItem(Base):
    """A product in a session's showcase (小黄车), in display order (``position`` 1, 2, …).
    ``pinned_at`` is set while the item is pinned ("now presenting")."""

    __tablename__ = "showcase_items"
    __table_args__ = (UniqueConstraint("session_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    position: Mapped[int]
    added_at: Mapped[datetime]
    pinned_at: Mapped[datetime | None]


class ShowcasePin(Base):
    """Each time an item was presented: from ``pinned_at`` until ``unpinned_at`` (open while
    pinned). Kept after the item leaves the showcase, for attributing sales to presentations."""

    __tablename__ = "showcase_pins"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    item_id: Mapped[int]  # no foreign key: the item may be removed, its history stays
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    pinned_at: Mapped[datetime]
    unpinned_at: Mapped[datetime | None]
    unpin_reason: Mapped[str | None] = mapped_column(
        String(20)
    )  # unpinned, replaced, removed, ended


class LiveSessionSale(Base):
    """A paid order counted into its session's ``orders_count`` and ``gmv_fen``; the unique
    ``order_id`` makes counting idempotent when ``order.paid`` is delivered twice."""

    __tablename__ = "live_session_sales"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    amount_fen: Mapped[int]
    counted_at: Mapped[datetime]
