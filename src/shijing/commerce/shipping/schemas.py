"""API shapes of the shipping domain (and of the order-side fulfilment endpoints)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

TrackingKindIn = Literal["picked_up", "in_transit", "delivered", "failed_delivery"]


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier_code: str = Field(min_length=1, max_length=40, examples=["sf"])
    tracking_no: str = Field(min_length=1, max_length=60, examples=["SF1234567890"])


class CarrierCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, examples=["sf"])
    name: str = Field(min_length=1, max_length=60, examples=["顺丰速运"])


class TrackingEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1, max_length=64, description="the carrier's own event id")
    tracking_no: str = Field(min_length=1, max_length=60)
    kind: TrackingKindIn
    at: AwareDatetime = Field(description="ISO 8601 with a UTC offset")
    location: str | None = Field(default=None, max_length=100)


class TrackingBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[TrackingEventIn] = Field(min_length=1, max_length=100)


class CarrierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str


class NewCarrierOut(CarrierOut):
    created_at: datetime
    api_key: str = Field(description="shown once; send it as X-Carrier-Key")


class TrackingEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: str = Field(validation_alias="external_id")
    kind: str
    at: datetime
    location: str | None
    received_at: datetime
    applied: bool = Field(description="whether the event moved the shipment's status")


class ShipmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    shop_id: int
    aftersale_id: int | None
    direction: str
    carrier_code: str
    tracking_no: str
    status: str
    from_province: str
    to_province: str
    created_at: datetime
    picked_up_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None


class ShipmentDetailOut(ShipmentOut):
    events: list[TrackingEventOut]


class OrderFulfilmentOut(BaseModel):
    """The order's fulfilment state (the full order is served by the orders API)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    ship_due_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    complete_due_at: datetime | None
    completed_at: datetime | None


class ShippedOut(BaseModel):
    order: OrderFulfilmentOut
    shipment: ShipmentOut
    late: bool = Field(description="shipped after the shop's ship-within promise")


class TrackingResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: str
    tracking_no: str
    shipment_id: int
    outcome: Literal["applied", "recorded", "duplicate"]
    status: str


class TrackingBatchOut(BaseModel):
    results: list[TrackingResultOut]
