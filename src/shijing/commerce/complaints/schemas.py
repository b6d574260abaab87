"""API shapes of the complaints domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from shijing.commerce.complaints.models import ComplaintCategory


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_kind: Literal["shop", "creator"]
    shop_id: int | None = None
    creator_id: int | None = None
    order_id: int | None = None
    category: ComplaintCategory
    description: str = Field(min_length=10, max_length=2000)
    evidence_urls: Annotated[list[HttpUrl], Field(max_length=9)] = Field(default_factory=list)


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=3, max_length=500)


class ComplaintOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    target_kind: str
    shop_id: int | None
    creator_id: int | None
    order_id: int | None
    category: str
    description: str
    evidence_urls: list[str]
    status: str
    created_at: datetime
    assigned_to: int | None
    resolved_at: datetime | None
    resolution_note: str | None


class ComplaintPage(BaseModel):
    items: list[ComplaintOut]
    total: int
    limit: int
    offset: int
