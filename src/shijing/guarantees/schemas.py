"""API shapes of Trust Purchase."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shijing.core.pagination import Page
from shijing.guarantees.catalogue import CODES


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplyIn(_In):
    accept_terms: bool = Field(strict=True)


class MoneyIn(_In):
    amount_fen: int = Field(ge=1, le=100_000_000_00, strict=True)


class ClaimIn(_In):
    order_id: int = Field(ge=1, le=2**31 - 1)
    code: Literal[
        "counterfeit_10x",
        "damage_doa",
        "allergy_return",
        "certified_jewellery",
        "used_phone_warranty",
    ]
    remedy: Literal["compensate", "refund", "reship", "repair", "replace"]
    description: str = Field(default="", max_length=2000)
    evidence_urls: list[str] = Field(default_factory=list, max_length=9)
    amount_fen: int | None = Field(default=None, ge=0, le=100_000_000_00)


class DecisionIn(_In):
    note: str = Field(min_length=1, max_length=500)
    amount_fen: int | None = Field(default=None, ge=0, le=100_000_000_00)


class RejectIn(_In):
    note: str = Field(min_length=1, max_length=500)


class CatalogueIn(_In):
    # Used in a path (…/versions/{version}/activate): letters, digits, dots, dashes.
    version: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    # The catalogue itself (named so that a 422 can name it: "catalogue.programme.min_score").
    catalogue: dict[str, Any]
    note: str = Field(default="", max_length=300)


class CertificateIn(_In):
    number: str = Field(min_length=1, max_length=40)
    appraiser: str = Field(min_length=1, max_length=80)
    material: str = Field(min_length=1, max_length=40)
    weight_g: float = Field(gt=0, le=100_000)


class AssignCertificateIn(_In):
    number: str = Field(min_length=1, max_length=40)


class InspectionIn(_In):
    imei: str = Field(min_length=1, max_length=20)
    grade: Literal["S", "A", "B", "C"]
    battery_health: int = Field(ge=50, le=100)
    inspector: str = Field(min_length=1, max_length=80)
    notes: str = Field(default="", max_length=500)


class CapitalIn(_In):
    amount_fen: int = Field(ge=1, le=100_000_000_00, strict=True)


# -- out ------------------------------------------------------------------------------------


class GuaranteeOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    summary_zh: str
    summary_en: str
    payer: str
    claim_window_hours: int
    max_fen: int | None = None
    premium_fen: int | None = None


class CatalogueOut(BaseModel):
    version: str
    activated_at: datetime | None
    programme: dict[str, Any]
    guarantees: list[dict[str, Any]]


class PromiseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    catalogue_version: str
    terms: dict[str, Any]
    premium_fen: int
    created_at: datetime


class CoverageOut(BaseModel):
    order_id: int
    promises: list[PromiseOut]
    claims: list[ClaimOut]


class ClaimOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    order_id: int
    shop_id: int
    buyer_id: int
    aftersale_id: int | None
    opened_by: str
    status: str
    remedy: str
    description: str
    evidence_urls: list[str]
    amount_fen: int
    cap_fen: int
    payer: str
    opened_at: datetime
    auto_approved: bool
    decided_at: datetime | None
    decision_note: str | None
    paid_at: datetime | None
    paid_fen: int
    settled_at: datetime | None
    recovered_at: datetime | None
    recovered_fen: int


ClaimPage = Page[ClaimOut]


class ClaimEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    at: datetime
    actor_user_id: int | None
    detail: dict[str, Any]


class BadgeEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    status: str
    at: datetime
    reason: str
    detail: dict[str, Any]


class EnrolmentOut(BaseModel):
    shop_id: int
    status: str  # none, active, warned, revoked, withdrawn
    badge: bool
    since: datetime | None
    grace_until: datetime | None
    premium_fen: int
    return_rate_bps: int
    reason: str | None
    qualifies: bool
    conditions: list[dict[str, str]]
    facts: dict[str, Any]
    history: list[BadgeEventOut]


class StatementLineOut(BaseModel):
    transaction_id: int
    posted_at: datetime
    kind: str
    memo: str
    amount_fen: int
    balance_after_fen: int


class DepositOut(BaseModel):
    shop_id: int
    deposit_fen: int
    owed_fen: int
    minimum_fen: int
    open_claims: int
    lines: list[StatementLineOut]


class PostingOut(BaseModel):
    transaction_id: int
    idempotency_key: str
    kind: str
    posted_at: datetime
    deposit_fen: int
    owed_fen: int


class FundsOut(BaseModel):
    accounts: dict[str, int]
    shop_deposits_fen: int
    shops_owe_fen: int
    claims_paid_fen: int
    claims_open: int


class CertificateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    shop_id: int
    product_id: int
    appraiser: str
    material: str
    weight_mg: int
    recorded_at: datetime
    order_id: int | None = None


class PublicCertificateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    shop_id: int
    product_id: int
    appraiser: str
    material: str
    weight_mg: int
    recorded_at: datetime
    shipped: bool


class InspectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    imei: str
    grade: str
    battery_health: int
    inspector: str
    notes: str
    status: str
    inspected_at: datetime


assert set(ClaimIn.model_fields["code"].annotation.__args__) <= set(CODES)  # type: ignore[union-attr]
CoverageOut.model_rebuild()
