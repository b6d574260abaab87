"""What the orders API takes and gives. Input refuses unknown fields: a client never sends a
price (``price``, ``unit_price_fen``, ``total_fen`` are 422 naming that field)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shijing.commerce.orders.models import Order, OrderEvent, OrderStatus, TrafficSource
from shijing.core.http import MAX_ID


class ShipToIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=20, description="11 digits starting with 1")
    province: str = Field(
        min_length=1, max_length=20, description="a provincial-level division: 浙江 or 浙江省"
    )
    city: str = Field(min_length=1, max_length=40)
    address: str = Field(min_length=1, max_length=200)


class OrderIn(BaseModel):
    """An order for one SKU; its price is the SKU's at this moment, never the client's."""

    model_config = ConfigDict(extra="forbid")

    sku_id: int = Field(ge=1, le=MAX_ID)
    quantity: int = Field(ge=1, le=100_000)
    traffic_source: TrafficSource
    live_session_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    creator_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    ship_to: ShipToIn


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="a payment method token from the gateway (simulated: sim_ok, sim_declined, "
        "sim_insufficient)",
    )


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(
        default=None, max_length=200, description="required when the shop cancels"
    )


class ShipToOut(BaseModel):
    name: str
    phone: str
    province: str
    city: str
    address: str


class OrderOut(BaseModel):
    id: int
    status: OrderStatus
    buyer_id: int
    shop_id: int
    product_id: int
    sku_id: int
    category: str
    quantity: int
    unit_price_fen: int
    total_fen: int
    refunded_fen: int
    traffic_source: TrafficSource
    live_session_id: int | None
    creator_id: int | None
    # What the shop owes the creator: shown to the shop and operators, not to the buyer.
    distribution_plan_id: int | None = None
    commission_bps: int | None = None
    commission_fen: int | None = None
    ship_to: ShipToOut
    placed_at: datetime
    pay_due_at: datetime | None
    paid_at: datetime | None
    ship_due_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    complete_due_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None

    @classmethod
    def of(cls, order: Order, *, for_shop: bool) -> OrderOut:
        out = cls(
            id=order.id,
            status=OrderStatus(order.status),
            buyer_id=order.buyer_id,
            shop_id=order.shop_id,
            product_id=order.product_id,
            sku_id=order.sku_id,
            category=order.category,
            quantity=order.quantity,
            unit_price_fen=order.unit_price_fen,
            total_fen=order.total_fen,
            refunded_fen=order.refunded_fen,
            traffic_source=TrafficSource(order.traffic_source),
            live_session_id=order.live_session_id,
            creator_id=order.creator_id,
            ship_to=ShipToOut(
                name=order.ship_to_name,
                phone=order.ship_to_phone,
                province=order.ship_to_province,
                city=order.ship_to_city,
                address=order.ship_to_address,
            ),
            placed_at=order.placed_at,
            pay_due_at=order.pay_due_at,
            paid_at=order.paid_at,
            ship_due_at=order.ship_due_at,
            shipped_at=order.shipped_at,
            delivered_at=order.delivered_at,
            complete_due_at=order.complete_due_at,
            completed_at=order.completed_at,
            cancelled_at=order.cancelled_at,
            cancelled_by=order.cancelled_by,
            cancel_reason=order.cancel_reason,
        )
        if for_shop:
            out.distribution_plan_id = order.distribution_plan_id
            out.commission_bps = order.commission_bps
            out.commission_fen = order.commission_fen
        return out


class TimelineEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    at: datetime
    detail: dict[str, Any]

    @classmethod
    def of(cls, event: OrderEvent) -> TimelineEntryOut:
        return cls(kind=event.kind, at=event.at, detail=dict(event.detail or {}))
