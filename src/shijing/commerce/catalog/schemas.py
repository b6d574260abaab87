"""API shapes of the catalogue. Inputs forbid unknown fields and check types; the service
checks the values (so the simulator and the API share one set of rules and messages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

T = TypeVar("T")


class SkuIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="unique within the product, e.g. BLK-XL")
    price_fen: StrictInt = Field(description="in fen: more than 0, at most 100,000,000")
    stock: StrictInt = Field(default=0, description="initial units, 0 or more")
    variant: dict[str, str] = Field(default_factory=dict, description='e.g. {"颜色": "黑"}')


class ProductCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    category: str = Field(description="a code from GET /categories")
    description: str = ""
    image_urls: list[str] = Field(default_factory=list, description="http(s) URLs, at most 9")
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="the attributes the category declares"
    )
    max_per_order: StrictInt = Field(default=10, description="1 to 999")
    published: StrictBool = False
    skus: list[SkuIn] = Field(description="at least one")


class ProductUpdateIn(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    category: str | None = None
    description: str | None = None
    image_urls: list[str] | None = None
    attributes: dict[str, Any] | None = None
    max_per_order: StrictInt | None = None


class SkuPriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price_fen: StrictInt


class StockAdjustIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delta: StrictInt = Field(description="positive to restock, negative to write off")
    note: str | None = None


class SkuOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    code: str
    variant: dict[str, str]
    price_fen: int
    stock: int
    created_at: datetime
    updated_at: datetime


class ProductOut(BaseModel):
    id: int
    shop_id: int
    title: str
    category: str
    description: str
    image_urls: list[str]
    attributes: dict[str, Any]
    max_per_order: int
    published: bool
    min_price_fen: int | None
    max_price_fen: int | None
    skus: list[SkuOut]
    created_at: datetime
    updated_at: datetime


class MovementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku_id: int
    delta: int
    stock_after: int
    reason: str
    order_id: int | None
    actor_user_id: int | None
    note: str | None
    created_at: datetime


class AttributeOut(BaseModel):
    name: str
    label_zh: str
    label_en: str
    required: bool


class CategoryOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    parent: str | None
    no_reason_return: bool
    attributes: list[AttributeOut]
    children: list[CategoryOut]
