"""API shapes of the trust domain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ShopScoreSummary(BaseModel):
    """What anyone may see: band and total, or "not enough data"."""

    shop_id: int
    as_of: date | None
    enough_data: bool
    total: float | None
    band: str | None
    definition_version: str | None


class ShopScoreDay(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    as_of: date
    definition_version: str
    root_category: str | None
    orders: int
    enough_data: bool
    total: float | None
    band: str | None
    dimensions: dict[str, float]
    indicators: list[dict[str, Any]]
    suggestions: list[str]


class ShopScoreExplanation(BaseModel):
    shop_id: int
    latest: ShopScoreDay | None
    history: list[ShopScoreDay]


class CreatorScoreSummary(BaseModel):
    creator_id: int
    as_of: date | None
    enough_data: bool
    score: float | None = Field(description="3.0–5.0, one decimal")
    definition_version: str | None


class CreatorScoreDay(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    as_of: date
    definition_version: str
    orders: int
    enough_data: bool
    outcome: float | None
    conduct_deduction: float
    score: float | None
    detail: dict[str, Any]


class CreatorScoreExplanation(BaseModel):
    creator_id: int
    latest: CreatorScoreDay | None
    history: list[CreatorScoreDay]


class CreditOut(BaseModel):
    as_of: date | None
    score: float
    level: str
    reasons: list[dict[str, Any]]
    definition_version: str


class CreditDay(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    as_of: date
    score: float
    level: str
    definition_version: str


class CreditHistory(BaseModel):
    items: list[CreditDay]


class DefinitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=20)
    body: dict[str, Any]
    note: str = Field(default="", max_length=300)
    trial: bool = Field(default=False, description="score it daily beside the active version")


class DefinitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: str
    body: dict[str, Any]
    active: bool
    trial: bool
    note: str
    created_at: datetime
    activated_at: datetime | None
    last_scored: date | None = None


class DefinitionList(BaseModel):
    items: list[DefinitionOut]


class ChangesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    compared: int = Field(description="scored under both versions")
    mean_change: float | None
    mean_abs_change: float | None
    max_abs_change: float | None
    spearman: float | None = Field(description="rank correlation of the two versions' scores")


class ShopChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    shop_id: int
    baseline: float | None
    candidate: float | None
    change: float | None
    baseline_band: str
    candidate_band: str
    dimensions: dict[str, float]


class ShopComparisonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    shops: int
    changes: ChangesOut
    bands: dict[str, dict[str, int]] = Field(description="baseline band → candidate band → shops")
    moved_up: int
    moved_down: int
    gained_score: int
    lost_score: int
    movers: list[ShopChangeOut]


class CreatorChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    creator_id: int
    baseline: float | None
    candidate: float | None
    change: float | None


class CreatorComparisonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    creators: int
    changes: ChangesOut
    became_shown: int
    became_hidden: int
    movers: list[CreatorChangeOut]


class BuyerComparisonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    buyers: int
    changes: ChangesOut
    levels: dict[str, dict[str, int]]
    moved_up: int
    moved_down: int


class ComparisonOut(BaseModel):
    """What switching ``candidate`` on would change, against ``baseline``, on one day."""

    model_config = ConfigDict(from_attributes=True)

    as_of: date
    baseline: str
    candidate: str
    shops: ShopComparisonOut
    creators: CreatorComparisonOut
    buyers: BuyerComparisonOut
