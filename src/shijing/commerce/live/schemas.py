"""API shapes of the live domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shijing.core.http import MAX_ID


class LiveSessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=100)
    scheduled_at: AwareDatetime = Field(description="in the future, with a time zone")
    stream_url: str | None = Field(
        default=None, max_length=500, description="an http(s) URL for an external player"
    )


class ShowcaseAddIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: int = Field(ge=1, le=MAX_ID)


class ShowcaseOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        max_length=200, description="every item of the showcase, once"
    )


class LiveCreatorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    handle: str
    display_name: str
    avatar_url: str | None


class SalesOut(BaseModel):
    """Orders and GMV the session brought in: shown to its creator only."""

    orders_count: int
    gmv_fen: int


class LiveSessionOut(BaseModel):
    id: int
    creator: LiveCreatorOut
    title: str
    status: str
    scheduled_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    cancelled_at: datetime | None
    stream_url: str | None
    viewer_count: int
    peak_viewers: int
    pinned_item_id: int | None
    created_at: datetime
    sales: SalesOut | None = None


class ShowcaseItemOut(BaseModel):
    id: int
    product_id: int
    product_title: str
    price_fen: int | None
    on_sale: bool
    position: int
    added_at: datetime
    pinned: bool
    pinned_at: datetime | None


class LiveSessionDetailOut(LiveSessionOut):
    showcase: list[ShowcaseItemOut]
    pinned_item: ShowcaseItemOut | None


DiscoverStatus = Literal["live", "scheduled", "ended"]
AnyStatus = Literal["scheduled", "live", "ended", "cancelled"]
