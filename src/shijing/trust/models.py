"""Tables of the trust domain: score definitions, the daily score history, run state."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class ScoreDefinitionRow(Base):
    """One version of the score definition (validated JSON); exactly one is active. A version on
    trial is scored every day beside the active one, for comparison, and serves nobody."""

    __tablename__ = "trust_score_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=False, index=True)
    trial: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]


class ShopScore(Base):
    """A shop's experience score as of one day under one definition version."""

    __tablename__ = "trust_shop_scores"
    __table_args__ = (
        UniqueConstraint("shop_id", "definition_version", "as_of"),
        Index("ix_trust_shop_scores_version_as_of", "definition_version", "as_of"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(index=True)
    definition_version: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date] = mapped_column(Date)
    root_category: Mapped[str | None] = mapped_column(String(40))
    orders: Mapped[int]
    enough_data: Mapped[bool]
    total: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(20))
    dimensions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    suggestions: Mapped[list[str]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime]


class CreatorScore(Base):
    """A creator's word-of-mouth score as of one day under one definition version."""

    __tablename__ = "trust_creator_scores"
    __table_args__ = (UniqueConstraint("creator_id", "definition_version", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(index=True)
    definition_version: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date] = mapped_column(Date)
    orders: Mapped[int]
    enough_data: Mapped[bool]
    outcome: Mapped[float | None] = mapped_column(Float)  # weighted mean of order outcomes, 0–1
    conduct_deduction: Mapped[float] = mapped_column(Float, default=0.0)  # governance, later
    score: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime]


class BuyerCredit(Base):
    """A buyer's credit as of one day; shown to the buyer only (shops never see the number)."""

    __tablename__ = "trust_buyer_credits"
    __table_args__ = (UniqueConstraint("buyer_id", "definition_version", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(index=True)
    definition_version: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime]


class ScoreRun(Base):
    """One scoring run (the daily due step reads the newest to know what is done)."""

    __tablename__ = "trust_score_runs"
    __table_args__ = (UniqueConstraint("definition_version", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_version: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date] = mapped_column(Date, index=True)
    engine: Mapped[str] = mapped_column(String(10))
    shops: Mapped[int]
    creators: Mapped[int]
    buyers: Mapped[int]
    seconds: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime]
