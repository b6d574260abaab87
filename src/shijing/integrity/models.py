"""Tables of the integrity domain: flags, detection definitions and runs, and the suspicious
blocks a run found (the operators' review queue)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class IntegrityFlag(Base):
    """An order, review or buyer excluded from scores (by integrity detection or an operator).

    A flag raised by a detector carries the detector, its definition version, the run and the
    block it came from, a suspiciousness score and its evidence. Lifting it keeps the row (the
    audit trail), with who lifted it and why."""

    __tablename__ = "integrity_flags"
    __table_args__ = (Index("ix_integrity_flags_subject", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(10))  # order, review, buyer
    subject_id: Mapped[int]
    reason: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(12))  # integrity, operator
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]
    detector: Mapped[str | None] = mapped_column(String(40))  # brushing.dense, reviews.duplicate …
    definition_version: Mapped[str | None] = mapped_column(String(20))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("integrity_runs.id"), index=True)
    block_id: Mapped[int | None] = mapped_column(ForeignKey("integrity_blocks.id"), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(String(300))


class IntegrityDefinitionRow(Base):
    """One version of the detectors' definition (thresholds and weights, validated JSON)."""

    __tablename__ = "integrity_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=False, index=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]


class RunStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # nothing it found was written; the previous flags stay in force


class IntegrityRun(Base):
    """One detection run over the facts before ``as_of``: what each detector found or why the
    run failed."""

    __tablename__ = "integrity_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    definition_version: Mapped[str] = mapped_column(String(20))
    engine: Mapped[str] = mapped_column(String(10))
    trigger: Mapped[str] = mapped_column(String(10))  # daily, manual
    status: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # detector → findings
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class BlockStatus(StrEnum):
    OPEN = "open"  # waiting for an operator
    CONFIRMED = "confirmed"  # the operator agrees: the flags stay
    DISMISSED = "dismissed"  # a false positive: every flag of the block is lifted


class IntegrityBlock(Base):
    """A group of accounts and shops a detector found together (a brushing ring, a cluster of
    near-duplicate reviews, a return-abuse pattern), with its evidence in plain words."""

    __tablename__ = "integrity_blocks"
    __table_args__ = (Index("ix_integrity_blocks_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("integrity_runs.id"), index=True)
    detector: Mapped[str] = mapped_column(String(40))
    definition_version: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    density: Mapped[float | None] = mapped_column(Float)
    buyer_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    shop_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    order_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    review_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)  # the detector's reason, in plain words
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=BlockStatus.OPEN.value)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(String(300))
