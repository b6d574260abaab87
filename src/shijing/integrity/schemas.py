"""API shapes of the integrity domain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_kind: Literal["order", "review", "buyer"]
    subject_id: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=300)


class FlagLiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


class FlagOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_kind: str
    subject_id: int
    reason: str
    source: str
    created_by: int | None
    created_at: datetime
    lifted_at: datetime | None
    detector: str | None = None
    definition_version: str | None = None
    block_id: int | None = None
    score: float | None = None
    lift_reason: str | None = None


class BlockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    run_id: int
    detector: str
    definition_version: str
    score: float
    density: float | None
    buyer_ids: list[int]
    shop_ids: list[int]
    order_ids: list[int]
    review_ids: list[int]
    reason: str
    evidence: dict[str, Any]
    status: str
    created_at: datetime
    decided_at: datetime | None
    decision_note: str | None


class BlockPage(BaseModel):
    items: list[BlockOut]
    total: int
    limit: int
    offset: int


class BlockDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["confirm", "dismiss"]
    note: str = Field(min_length=1, max_length=300)


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = None
    engine: Literal["duckdb", "spark"] = "duckdb"
    definition: str | None = Field(default=None, min_length=1, max_length=20)


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    as_of: date
    definition_version: str
    engine: str
    trigger: str
    status: str
    error: str | None
    counts: dict[str, Any]
    started_at: datetime
    finished_at: datetime
    seconds: float


class DefinitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=20)
    body: dict[str, Any] = Field(
        description="sections brushing, fingerprints, rules, reviews, returns"
    )
    note: str = Field(default="", max_length=300)


class DefinitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: str
    body: dict[str, Any]
    active: bool
    note: str
    created_at: datetime
    activated_at: datetime | None
