"""Tables of the shipping domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class Direction(StrEnum):
    OUTBOUND = "outbound"  # shop → buyer
    RETURN = "return"  # buyer → shop


class ShipmentStatus(StrEnum):
    CREATED = "created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    FAILED = "failed"


class Carrier(Base):
    """A carrier integration; it authenticates its tracking pushes with an API key (hashed)."""

    __tablename__ = "carriers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # sf, zto, yto, jd, ems
    name: Mapped[str] = mapped_column(String(40))
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class TrackingKind(StrEnum):
    """What a carrier reports about a parcel."""

    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    FAILED_DELIVERY = "failed_delivery"


class Shipment(Base):
    """A parcel under one carrier's tracking number: outbound (an order shipped) or a return."""

    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("carrier_code", "tracking_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)  # the order's shop
    aftersale_id: Mapped[int | None] = mapped_column(index=True)
    direction: Mapped[str] = mapped_column(String(10))
    carrier_code: Mapped[str] = mapped_column(String(20))
    tracking_no: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default=ShipmentStatus.CREATED.value)
    from_province: Mapped[str] = mapped_column(String(20))
    to_province: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    picked_up_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    # The carrier's time of the tracking event that set ``status`` (None while created): an
    # event older than this one does not move the shipment back (see shipping/states.py).
    status_at: Mapped[datetime | None]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("shipment_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))  # the carrier's id: redelivery is a no-op
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime]
    applied: Mapped[bool] = mapped_column(default=False)  # it moved the shipment's status
