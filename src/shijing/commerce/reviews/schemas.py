"""API shapes of the reviews domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from shijing.commerce.reviews.policy import POLICY

Rating = Annotated[int, Field(ge=1, le=5)]
ImageUrls = Annotated[list[HttpUrl], Field(max_length=POLICY.max_images)]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_rating: Rating
    logistics_rating: Rating
    service_rating: Rating
    text: str = Field(default="", max_length=POLICY.max_text)
    image_urls: ImageUrls = Field(default_factory=list)
    anonymous: bool = False


class ReviewEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_rating: Rating | None = None
    logistics_rating: Rating | None = None
    service_rating: Rating | None = None
    text: str | None = Field(default=None, max_length=POLICY.max_text)
    image_urls: ImageUrls | None = None


class FollowupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=POLICY.max_text)
    image_urls: ImageUrls = Field(default_factory=list)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=POLICY.max_text)


class HideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=200)


class ReviewOut(BaseModel):
    id: int
    order_id: int | None
    shop_id: int
    product_id: int
    buyer_name: str
    product_rating: int
    logistics_rating: int
    service_rating: int
    text: str
    image_urls: list[str]
    anonymous: bool
    created_at: datetime
    editable_until: datetime | None
    followup_text: str | None
    followup_at: datetime | None
    shop_reply: str | None
    shop_replied_at: datetime | None


class RatingSummary(BaseModel):
    count: int
    product_average: float | None
    logistics_average: float | None
    service_average: float | None
    negative_share: float | None = Field(description="share of reviews with product rating 1–2")


class ReviewPage(BaseModel):
    items: list[ReviewOut]
    total: int
    limit: int
    offset: int
    summary: RatingSummary
