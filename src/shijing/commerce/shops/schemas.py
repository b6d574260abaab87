"""API shapes of the shops domain. Inputs forbid unknown fields; the service checks the values
(so the simulator and the API share one set of rules and messages)."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictInt

T = TypeVar("T")


class ShopCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="unique among shops")
    main_category: str = Field(description="a code from GET /categories")
    return_province: str = Field(description="e.g. 浙江, 广东, 北京, 新疆")
    return_city: str
    return_address: str
    ship_within_hours: StrictInt = Field(default=48, description="1 to 168")


class ShopUpdateIn(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    return_province: str | None = None
    return_city: str | None = None
    return_address: str | None = None
    ship_within_hours: StrictInt | None = None


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = None


class ShopPublicOut(BaseModel):
    """What anyone sees of an active shop."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    main_category: str
    return_province: str
    return_city: str
    ship_within_hours: int
    status: str


class ShopOut(ShopPublicOut):
    """The full record, for the shop's staff and operators."""

    owner_user_id: int
    return_address: str
    status_reason: str | None
    created_at: datetime
    updated_at: datetime


class MyShopOut(ShopOut):
    role: str


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(description="the email of an existing account")


class InviteOut(BaseModel):
    id: int
    shop_id: int
    email: str
    invited_by: int
    status: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class ReceivedInviteOut(BaseModel):
    id: int
    shop_id: int
    shop_name: str
    created_at: datetime
    expires_at: datetime


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: int
    display_name: str
    email: str
    role: str
    joined_at: datetime
