"""API shapes of the creators domain."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shijing.core.http import MAX_ID


class CreatorOpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handle: str = Field(min_length=1, max_length=60, description="3–30 letters, digits or _")
    display_name: str | None = Field(default=None, max_length=60, description="default: yours")
    bio: str = Field(default="", max_length=500)
    avatar_url: str | None = Field(default=None, max_length=500)
    categories: list[str] = Field(default_factory=list, max_length=10)


class CreatorUpdateIn(BaseModel):
    """Only the fields given change; the handle is permanent."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=60)
    bio: str | None = Field(default=None, max_length=500)
    avatar_url: str | None = Field(default=None, max_length=500)
    categories: list[str] | None = Field(default=None, max_length=10)


class CreatorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    handle: str
    display_name: str
    bio: str
    avatar_url: str | None
    categories: list[str]
    follower_count: int
    created_at: datetime
    followed_by_me: bool | None = Field(
        default=None, description="whether the caller follows; null when anonymous"
    )


class CreatorSummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    handle: str
    display_name: str
    avatar_url: str | None
    follower_count: int


class FollowStateOut(BaseModel):
    creator_id: int
    following: bool
    follower_count: int


class FollowingOut(BaseModel):
    creator: CreatorSummaryOut
    followed_at: datetime


class FollowerOut(BaseModel):
    user_id: int
    display_name: str
    followed_at: datetime


class PlanPublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: int = Field(ge=1, le=MAX_ID)
    commission_bps: int = Field(ge=0, le=9000, description="basis points: 2000 = 20%, max 90%")


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    product_id: int
    commission_bps: int
    status: str
    created_at: datetime
    closed_at: datetime | None


class OpenPlanOut(BaseModel):
    """An open plan as a creator browses it: the product and shop it is for."""

    id: int
    shop_id: int
    shop_name: str
    product_id: int
    product_title: str
    category: str
    commission_bps: int
    created_at: datetime


PlanStatusParam = Literal["active", "closed"]
