"""The guarantee catalogue: data, versioned, validated.

A version is stored as JSON and never edited; activating a version makes it the one in force from
that moment. ``in_force(session, at)`` answers with the version in force at any moment, which is
how a promise is resolved as of the time its order was placed.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.commerce.catalog.categories import CATEGORIES
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import emit
from shijing.guarantees import events as guarantee_events
from shijing.guarantees.models import CatalogueVersion

DEFAULT_VERSION = "2026.1"
CODES = (
    "return_postage",
    "no_reason_7d",
    "fast_refund",
    "counterfeit_10x",
    "damage_doa",
    "allergy_return",
    "certified_jewellery",
    "used_phone_warranty",
)
Remedy = Literal["compensate", "refund", "reship", "repair", "replace"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PremiumStep(_Strict):
    below_bps: int = Field(gt=0, le=10_000)
    fen: int = Field(ge=0)


class PremiumRule(_Strict):
    window_days: int = Field(gt=0, le=365)
    min_fen: int = Field(ge=0)
    cap_fen: int = Field(gt=0)
    steps: tuple[PremiumStep, ...] = Field(min_length=1)

    @field_validator("cap_fen")
    @classmethod
    def _cap_above_min(cls, cap_fen: int, info: ValidationInfo) -> int:
        min_fen = info.data.get("min_fen")
        if min_fen is not None and cap_fen < min_fen:
            raise ValueError("cap_fen is below min_fen")
        return cap_fen

    @field_validator("steps")
    @classmethod
    def _ordered(
        cls, steps: tuple[PremiumStep, ...], info: ValidationInfo
    ) -> tuple[PremiumStep, ...]:
        # A higher return rate never pays a lower premium: the edges rise strictly and the
        # premiums never fall, all between min_fen and cap_fen (so ``price`` is monotone).
        edges = [s.below_bps for s in steps]
        if edges != sorted(set(edges)):
            raise ValueError("premium steps must rise strictly by below_bps")
        premiums = [s.fen for s in steps]
        if premiums != sorted(premiums):
            raise ValueError("premium steps must not fall as the return rate rises")
        low, high = info.data.get("min_fen"), info.data.get("cap_fen")
        if low is None or high is None:  # already reported on its own field
            return steps
        if any(s.fen > high or s.fen < low for s in steps):
            raise ValueError("every premium step lies between min_fen and cap_fen")
        return steps

    def price(self, return_rate_bps: int) -> int:
        """The premium per covered order for a shop with this return rate (monotone)."""
        for step in self.steps:
            if return_rate_bps < step.below_bps:
                return step.fen
        return self.cap_fen


class Programme(_Strict):
    min_score: float = Field(ge=0, le=100)
    grace_days: int = Field(gt=0, le=90)
    counterfeit_lookback_days: int = Field(gt=0, le=365)
    deposit_minimum_fen: dict[str, int]
    premium: PremiumRule

    @field_validator("deposit_minimum_fen")
    @classmethod
    def _deposits(cls, minimums: dict[str, int]) -> dict[str, int]:
        if "default" not in minimums:
            raise ValueError("deposit_minimum_fen needs a default")
        for key, value in minimums.items():
            if key != "default" and key not in CATEGORIES:
                raise ValueError(f"deposit_minimum_fen names an unknown category {key!r}")
            if value < 0:
                raise ValueError("a deposit minimum is not negative")
        return minimums

    def deposit_minimum(self, category: str) -> int:
        """The most specific minimum that applies to ``category`` (女装 → apparel → default)."""
        code: str | None = category
        while code is not None:
            if code in self.deposit_minimum_fen:
                return self.deposit_minimum_fen[code]
            known = CATEGORIES.get(code)
            code = known.parent if known else None
        return self.deposit_minimum_fen["default"]


class Compensation(_Strict):
    kind: Literal["postage_by_distance", "multiple_of_price", "refund", "none"]
    same_province_fen: int | None = Field(default=None, ge=0)
    same_region_fen: int | None = Field(default=None, ge=0)
    far_fen: int | None = Field(default=None, ge=0)
    remote_fen: int | None = Field(default=None, ge=0)
    remote_provinces: tuple[str, ...] = ()
    cap_fen: int | None = Field(default=None, gt=0)
    multiple: int | None = Field(default=None, gt=0, le=100)
    min_buyer_credit: float | None = Field(default=None, ge=0, le=100)
    return_deadline_days: int | None = Field(default=None, gt=0, le=60)

    @model_validator(mode="after")
    def _complete(self) -> Compensation:
        if self.kind == "postage_by_distance":
            amounts = (self.same_province_fen, self.same_region_fen, self.far_fen, self.remote_fen)
            if any(a is None for a in amounts) or self.cap_fen is None:
                raise ValueError("postage_by_distance needs every distance class and a cap")
            if max(a or 0 for a in amounts) > self.cap_fen:
                raise ValueError("no distance class may pay above the cap")
            if list(amounts) != sorted(a or 0 for a in amounts):
                raise ValueError("a farther distance class never pays less than a nearer one")
        if self.kind == "multiple_of_price" and self.multiple is None:
            raise ValueError("multiple_of_price needs a multiple")
        return self


class AutoApprove(_Strict):
    always: bool = False
    min_buyer_credit: float | None = Field(default=None, ge=0, le=100)
    max_amount_fen: int | None = Field(default=None, gt=0)


class Guarantee(_Strict):
    code: str
    name_zh: str = Field(min_length=1, max_length=40)
    name_en: str = Field(min_length=1, max_length=60)
    summary_zh: str = Field(min_length=1, max_length=200)
    summary_en: str = Field(min_length=1, max_length=300)
    categories: tuple[str, ...]
    exclude_categories: tuple[str, ...] = ()
    min_price_fen: int = Field(default=0, ge=0)
    max_price_fen: int | None = Field(default=None, gt=0)
    requires: Literal["none", "badge", "certificate_programme", "phone_programme"]
    trigger: Literal["return_picked_up", "buyer_claim", "aftersale"]
    compensation: Compensation
    payer: Literal["premium_pool", "shop", "platform"]
    claim_window_hours: int = Field(gt=0, le=24 * 400)
    pay_within_hours: int = Field(ge=0, le=24 * 30)
    evidence: tuple[Literal["photo", "appraisal"], ...] = ()
    remedies: tuple[Remedy, ...]
    auto_approve: AutoApprove

    @field_validator("code")
    @classmethod
    def _known_code(cls, code: str) -> str:
        if code not in CODES:
            raise ValueError(f"unknown guarantee code {code!r}")
        return code

    @field_validator("categories", "exclude_categories")
    @classmethod
    def _known_categories(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        for code in codes:
            if code != "*" and code not in CATEGORIES:
                raise ValueError(f"unknown category {code!r}")
        return codes

    @field_validator("categories", "remedies")
    @classmethod
    def _not_empty(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if not values:
            raise ValueError("a guarantee names at least one")
        return values

    @model_validator(mode="after")
    def _known(self) -> Guarantee:
        if self.max_price_fen is not None and self.max_price_fen < self.min_price_fen:
            raise ValueError("max_price_fen is below min_price_fen")
        return self

    def covers_category(self, category: str) -> bool:
        lineage = _lineage(category)
        if any(code in lineage for code in self.exclude_categories):
            return False
        return "*" in self.categories or any(code in lineage for code in self.categories)

    def covers_price(self, total_fen: int) -> bool:
        if total_fen < self.min_price_fen:
            return False
        return self.max_price_fen is None or total_fen <= self.max_price_fen


class Catalogue(_Strict):
    programme: Programme
    guarantees: tuple[Guarantee, ...]

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        codes = [g.code for g in self.guarantees]
        if len(codes) != len(set(codes)):
            raise ValueError("a guarantee code appears twice")
        return self

    def get(self, code: str) -> Guarantee | None:
        return next((g for g in self.guarantees if g.code == code), None)


def _lineage(category: str) -> set[str]:
    found: set[str] = set()
    code: str | None = category
    while code is not None and code not in found:
        found.add(code)
        known = CATEGORIES.get(code)
        code = known.parent if known else None
    return found


def parse_catalogue(body: Any) -> Catalogue:
    """The catalogue validated, or 422 naming the first field that is wrong."""
    try:
        return Catalogue.model_validate(body)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise InvalidInput(
            error["msg"], field=f"catalogue.{where}" if where else "catalogue"
        ) from None


@cache
def default_body() -> dict[str, Any]:
    text = resources.files("shijing.guarantees").joinpath("default_catalogue.json").read_text()
    body: dict[str, Any] = json.loads(text)
    return body


@cache
def _parsed(version: str, body_json: str) -> Catalogue:
    return parse_catalogue(json.loads(body_json))


def catalogue_of(row: CatalogueVersion) -> Catalogue:
    return _parsed(row.version, json.dumps(row.body, sort_keys=True))


def ensure_default(session: Session, clock: Clock) -> CatalogueVersion:
    """The version in force now, storing and activating the default on first use."""
    row = in_force_row(session, clock.now())
    if row is not None:
        return row
    row = session.scalar(
        select(CatalogueVersion).where(CatalogueVersion.version == DEFAULT_VERSION)
    )
    if row is None:
        parse_catalogue(default_body())
        # In force from the beginning: orders placed before anyone looked still get the default.
        row = CatalogueVersion(
            version=DEFAULT_VERSION,
            body=default_body(),
            note="defaults",
            created_at=clock.now(),
            activated_at=datetime(2000, 1, 1, tzinfo=clock.now().tzinfo),
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # stored meanwhile by a concurrent first use
            row = session.scalar(
                select(CatalogueVersion).where(CatalogueVersion.version == DEFAULT_VERSION)
            )
            assert row is not None
    return row


def in_force_row(session: Session, at: datetime) -> CatalogueVersion | None:
    return session.scalar(
        select(CatalogueVersion)
        .where(CatalogueVersion.activated_at.is_not(None), CatalogueVersion.activated_at <= at)
        .order_by(CatalogueVersion.activated_at.desc(), CatalogueVersion.id.desc())
        .limit(1)
    )


def in_force(session: Session, clock: Clock, at: datetime | None = None) -> tuple[str, Catalogue]:
    """(version, catalogue) in force at ``at`` (now by default)."""
    ensure_default(session, clock)
    row = in_force_row(session, at or clock.now())
    if row is None:  # before the default's start: cannot happen, the default starts in 2000
        raise NotFound("no guarantee catalogue in force", field="at")
    return row.version, catalogue_of(row)


def versions(session: Session, clock: Clock) -> list[CatalogueVersion]:
    ensure_default(session, clock)
    return list(session.scalars(select(CatalogueVersion).order_by(CatalogueVersion.id)))


def add_version(
    session: Session,
    clock: Clock,
    *,
    version: str,
    body: dict[str, Any],
    note: str,
    actor_user_id: int | None,
) -> CatalogueVersion:
    """Store a new, not yet active version after validating it."""
    version = version.strip()
    if not version or len(version) > 20:
        raise InvalidInput("a version is 1–20 characters", field="version")
    catalogue = parse_catalogue(body)
    ensure_default(session, clock)
    if session.scalar(select(CatalogueVersion.id).where(CatalogueVersion.version == version)):
        raise Conflict(f"version {version!r} exists", field="version", code="taken")
    row = CatalogueVersion(
        version=version,
        body=catalogue.model_dump(mode="json"),
        note=note.strip()[:300],
        created_at=clock.now(),
        activated_at=None,
        created_by=actor_user_id,
    )
    session.add(row)
    session.flush()
    emit(
        session,
        clock,
        guarantee_events.GUARANTEE_CATALOGUE_ADDED,
        version=version,
        by_user_id=actor_user_id,
    )
    return row


def activate(
    session: Session, clock: Clock, *, version: str, actor_user_id: int | None
) -> CatalogueVersion:
    """Put a stored version in force from now on. Promises already made keep their terms."""
    row = session.scalar(select(CatalogueVersion).where(CatalogueVersion.version == version))
    if row is None:
        raise NotFound(f"no catalogue version {version!r}", field="version")
    if row.activated_at is not None:
        raise Conflict(f"version {version!r} was already put in force", field="version")
    row.activated_at = clock.now()
    session.flush()
    emit(
        session,
        clock,
        guarantee_events.GUARANTEE_CATALOGUE_ACTIVATED,
        version=version,
        by_user_id=actor_user_id,
    )
    return row
