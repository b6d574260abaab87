"""Tables of Trust Purchase: catalogue versions, shop enrolments and their badge history, the
promises copied onto orders, claims and their decisions, jewellery certificates and used-phone
inspection reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from shijing.core.db import Base


class CatalogueVersion(Base):
    """One version of the guarantee catalogue (validated JSON). Versions are never edited; the
    one in force at a moment is the latest activated at or before it, so a promise can be
    resolved as of the time its order was placed."""

    __tablename__ = "guarantee_catalogues"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class BadgeStatus(StrEnum):
    ACTIVE = "active"  # carries the badge
    WARNED = "warned"  # still carries it; loses it when the grace period ends
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"  # the shop left the programme


BADGE_HOLDING = (BadgeStatus.ACTIVE.value, BadgeStatus.WARNED.value)


class Enrolment(Base):
    """A shop's place in the programme (one row per shop, its history in ``BadgeEvent``)."""

    __tablename__ = "guarantee_enrolments"
    __table_args__ = (Index("ix_guarantee_enrolments_status_due", "status", "grace_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), unique=True)
    status: Mapped[str] = mapped_column(String(12))
    terms_version: Mapped[str] = mapped_column(String(20))
    applied_at: Mapped[datetime]
    badge_since: Mapped[datetime | None]
    grace_until: Mapped[datetime | None]  # a warned badge is removed at this time
    premium_fen: Mapped[int] = mapped_column(default=0)  # per covered order, repriced daily
    return_rate_bps: Mapped[int] = mapped_column(default=0)  # the rate the premium is priced on
    evaluated_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime]


class BadgeEvent(Base):
    __tablename__ = "guarantee_badge_events"
    __table_args__ = (Index("ix_guarantee_badge_events_shop_at", "shop_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    kind: Mapped[str] = mapped_column(String(20))  # granted, warned, restored, revoked, ...
    status: Mapped[str] = mapped_column(String(12))  # the status after the event
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Promise(Base):
    """A guarantee as promised on one order: its terms copied when the order was placed."""

    __tablename__ = "guarantee_promises"
    __table_args__ = (UniqueConstraint("order_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    catalogue_version: Mapped[str] = mapped_column(String(20))
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    premium_fen: Mapped[int] = mapped_column(default=0)
    premium_charged: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class ClaimStatus(StrEnum):
    OPENED = "opened"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"  # to be paid by the next run of the payout step
    HELD = "held"  # approved, but a flag on the buyer or the order holds the payment for review
    REJECTED = "rejected"
    PAID = "paid"
    RECOVERED = "recovered"  # a fast refund taken back from the buyer


class Claim(Base):
    __tablename__ = "guarantee_claims"
    __table_args__ = (Index("ix_guarantee_claims_status_due", "status", "pay_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What caused the claim ("return_postage:aftersale:12", "damage:order:7"); the database
    # keeps it unique, so one event (however often delivered) opens one claim.
    trigger_key: Mapped[str] = mapped_column(String(80), unique=True)
    code: Mapped[str] = mapped_column(String(30), index=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("guarantee_promises.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    aftersale_id: Mapped[int | None] = mapped_column(ForeignKey("aftersales.id"))
    opened_by: Mapped[str] = mapped_column(String(10))  # event, buyer
    status: Mapped[str] = mapped_column(String(14), index=True)
    remedy: Mapped[str] = mapped_column(String(12))  # compensate, refund, reship, repair, replace
    description: Mapped[str] = mapped_column(Text, default="")
    evidence_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    amount_fen: Mapped[int]  # what the claim pays when approved (0 for reship/repair/replace)
    cap_fen: Mapped[int]  # the most the promise allows
    payer: Mapped[str] = mapped_column(String(12))  # premium_pool, shop, platform
    opened_at: Mapped[datetime]
    auto_approved: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(String(500))
    pay_due_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    paid_fen: Mapped[int] = mapped_column(default=0)
    settled_at: Mapped[datetime | None]  # a fast refund, once the shop has the goods back
    recover_due_at: Mapped[datetime | None]  # a fast refund whose return must arrive by then
    recovered_at: Mapped[datetime | None]
    recovered_fen: Mapped[int] = mapped_column(default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ClaimEvent(Base):
    __tablename__ = "guarantee_claim_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("guarantee_claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Certificate(Base):
    """An appraisal certificate for one jewellery piece; assigned to the order that ships it."""

    __tablename__ = "guarantee_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    appraiser: Mapped[str] = mapped_column(String(80))
    material: Mapped[str] = mapped_column(String(40))
    weight_mg: Mapped[int]
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]


class InspectionStatus(StrEnum):
    LISTED = "listed"  # on sale, or sold and not yet delivered
    SOLD = "sold"
    RETIRED = "retired"


class PhoneInspection(Base):
    """The inspection report of one used phone in the warranty programme. An IMEI may be on at
    most one listed report at a time (a partial unique index), so one phone cannot be sold twice
    at once."""

    __tablename__ = "guarantee_phone_inspections"
    __table_args__ = (
        Index(
            "ux_guarantee_phone_inspections_listed_imei",
            "imei",
            unique=True,
            sqlite_where=text("status = 'listed'"),
            postgresql_where=text("status = 'listed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    imei: Mapped[str] = mapped_column(String(15), index=True)
    grade: Mapped[str] = mapped_column(String(2))
    battery_health: Mapped[int]
    notes: Mapped[str] = mapped_column(String(500), default="")
    inspector: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    inspected_at: Mapped[datetime]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
