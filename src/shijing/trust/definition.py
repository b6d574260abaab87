"""The versioned score definition: every weight, window, prior, threshold and band edge, as data.

A definition is a validated Pydantic model stored as JSON (``trust_score_definitions``), one row
per version, one active. A new version can be computed beside the active one before it is
switched on. Nothing that a policy could change is written inline in the pipeline.
"""

from __future__ import annotations

import math
from enum import StrEnum
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

from shijing.commerce.catalog.categories import roots
from shijing.core.errors import InvalidInput


class Dimension(StrEnum):
    PRODUCT = "product"
    LOGISTICS = "logistics"
    SERVICE = "service"


class Indicator(StrEnum):
    """The shop indicators. ``LOWER_IS_BETTER`` says which way each one points."""

    NEGATIVE_REVIEW_RATE = "negative_review_rate"
    QUALITY_RETURN_RATE = "quality_return_rate"
    ON_TIME_PICKUP_RATE = "on_time_pickup_rate"
    DELIVERY_HOURS = "delivery_hours"
    COMPLAINT_RATE = "complaint_rate"
    DISPUTE_SHOP_FAULT_RATE = "dispute_shop_fault_rate"
    AFTERSALE_RESPONSE_HOURS = "aftersale_response_hours"
    SHOP_CANCEL_RATE = "shop_cancel_rate"


DIMENSION_OF: dict[Indicator, Dimension] = {
    Indicator.NEGATIVE_REVIEW_RATE: Dimension.PRODUCT,
    Indicator.QUALITY_RETURN_RATE: Dimension.PRODUCT,
    Indicator.ON_TIME_PICKUP_RATE: Dimension.LOGISTICS,
    Indicator.DELIVERY_HOURS: Dimension.LOGISTICS,
    Indicator.COMPLAINT_RATE: Dimension.SERVICE,
    Indicator.DISPUTE_SHOP_FAULT_RATE: Dimension.SERVICE,
    Indicator.AFTERSALE_RESPONSE_HOURS: Dimension.SERVICE,
    Indicator.SHOP_CANCEL_RATE: Dimension.SERVICE,
}
HIGHER_IS_BETTER = frozenset({Indicator.ON_TIME_PICKUP_RATE})
MEAN_INDICATORS = frozenset({Indicator.DELIVERY_HOURS, Indicator.AFTERSALE_RESPONSE_HOURS})

QUALITY_REASONS = (
    "quality",
    "not_as_described",
    "damaged_in_transit",
    "wrong_item",
    "counterfeit",
    "dead_on_arrival",
)
APPROVED_AFTERSALE_STATUSES = (
    "awaiting_return",
    "return_shipped",
    "return_received",
    "refunded",
    "exchanged",
)
EXCUSED_FAULTS = ("buyer", "carrier")
# why a creator's order counts as bad, in the order explanations list them
CREATOR_OUTCOMES = ("negative_review", "quality_return", "complaint", "shop_cancel")
ALL_PEERS = "*"  # the peer group of every eligible shop, for categories with too few


def _every_dimension(weights: dict[Dimension, float]) -> dict[Dimension, float]:
    """A dimension a weighting leaves out weighs nothing (``{"product": 1}``: product only)."""
    return {dimension: float(weights.get(dimension, 0.0)) for dimension in Dimension}


def _sums_to_one(values: dict[Any, float], what: str) -> None:
    if not values:
        raise ValueError(f"{what}: at least one weight is needed")
    if any(v < 0 for v in values.values()):
        raise ValueError(f"{what}: weights may not be negative")
    if not math.isclose(sum(values.values()), 1.0, abs_tol=1e-9):
        raise ValueError(f"{what}: weights must sum to 1 (they sum to {sum(values.values()):g})")


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=20)
    min_score: float = Field(ge=0, le=100)


class ShopScoreDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(default=90, gt=0, le=365)
    min_orders: int = Field(default=30, ge=1)
    min_peers: int = Field(
        default=20,
        ge=1,
        description="eligible shops a category needs to be ranked on its own (a peer average "
        "and spread from fewer shops are mostly noise); below that its shops are ranked "
        "against every eligible shop",
    )
    prior_orders: float = Field(
        default=50.0, ge=0, description="pseudo-orders at the category average (shrinkage)"
    )
    score_floor: float = Field(
        default=0.0, ge=0, lt=100, description="indicator points at the bottom of the peers"
    )
    points_by: Literal["deviation", "percentile"] = Field(
        default="deviation",
        description="deviation: by how many peer standard deviations the shop's (shrunk) value "
        "is from the peer average, so how much worse counts, not only how many are better; "
        "percentile: by the share of peers at or below the shop",
    )
    full_points_at: float = Field(
        default=1.5,
        ge=0,
        le=3,
        description="deviation: peer standard deviations better than average for full points",
    )
    floor_at: float = Field(
        default=3.0,
        gt=0,
        le=10,
        description="deviation: peer standard deviations worse than average for the floor",
    )
    average_points: float | None = Field(
        default=85.0,
        gt=0,
        lt=100,
        description="deviation: indicator points at the peer average. The points rise linearly "
        "from there to 100 at full_points_at and fall linearly to score_floor at floor_at, so a "
        "deviation below the average costs more than the same deviation above it earns, and "
        "the average shop lands in a band that leaves room above it (calibrated on simulated "
        "runs: about a fifth of shops excellent, most good or fair, a tail poor). None: one "
        "straight line from the floor to 100, as versions before this field computed",
    )
    dimension_weights: dict[Dimension, float] = Field(
        default_factory=lambda: {
            Dimension.PRODUCT: 0.5,
            Dimension.LOGISTICS: 0.2,
            Dimension.SERVICE: 0.3,
        }
    )
    category_dimension_weights: dict[str, dict[Dimension, float]] = Field(default_factory=dict)
    indicator_weights: dict[Indicator, float] = Field(
        default_factory=lambda: {
            Indicator.NEGATIVE_REVIEW_RATE: 0.5,
            Indicator.QUALITY_RETURN_RATE: 0.5,
            # delivery time is mostly the carrier's and the distance to the buyer; the pickup
            # is what the shop controls
            Indicator.ON_TIME_PICKUP_RATE: 0.8,
            Indicator.DELIVERY_HOURS: 0.2,
            Indicator.COMPLAINT_RATE: 0.3,
            Indicator.DISPUTE_SHOP_FAULT_RATE: 0.3,
            Indicator.AFTERSALE_RESPONSE_HOURS: 0.2,
            Indicator.SHOP_CANCEL_RATE: 0.2,
        },
        description="weights of the indicators within their dimension (each dimension sums to 1)",
    )
    bands: tuple[Band, ...] = (
        Band(name="excellent", min_score=90),
        Band(name="good", min_score=80),
        Band(name="fair", min_score=65),
        Band(name="poor", min_score=0),
    )
    suggestions: int = Field(default=2, ge=0, le=8, description="indicators given a suggestion")

    @model_validator(mode="before")
    @classmethod
    def _stored_before_deviation_points(cls, data: Any, info: ValidationInfo) -> Any:
        """A version stored before ``points_by`` and ``min_peers`` existed (its stored body
        lists ``score_floor`` but not ``points_by``) keeps computing as it did: percentile
        points against the root category however few its shops. Only stored bodies: a new
        body that sets ``score_floor`` alone gets the new defaults for the rest."""
        stored = bool(info.context and info.context.get("stored"))
        if stored and isinstance(data, dict) and "score_floor" in data and "points_by" not in data:
            return {"points_by": "percentile", "min_peers": 1, "average_points": None, **data}
        return data

    @model_validator(mode="before")
    @classmethod
    def _stored_before_average_points(cls, data: Any, info: ValidationInfo) -> Any:
        """A version stored before ``average_points`` existed (its stored body lists
        ``floor_at`` but not ``average_points``) keeps its one straight line from the floor to
        100. Only stored bodies, as above."""
        stored = bool(info.context and info.context.get("stored"))
        if (
            stored
            and isinstance(data, dict)
            and "floor_at" in data
            and "average_points" not in data
        ):
            return {**data, "average_points": None}
        return data

    @model_validator(mode="after")
    def _average_above_floor(self) -> ShopScoreDefinition:
        deviation = self.points_by == "deviation"
        if (
            deviation
            and self.average_points is not None
            and self.average_points <= self.score_floor
        ):
            raise ValueError("average_points must be above score_floor")
        return self

    @field_validator("dimension_weights")
    @classmethod
    def _dimensions(cls, value: dict[Dimension, float]) -> dict[Dimension, float]:
        _sums_to_one(value, "dimension_weights")
        return _every_dimension(value)

    @field_validator("category_dimension_weights")
    @classmethod
    def _category_dimensions(
        cls, value: dict[str, dict[Dimension, float]]
    ) -> dict[str, dict[Dimension, float]]:
        known = {c.code for c in roots()}
        for category, weights in value.items():
            if category not in known:
                raise ValueError(
                    f"category_dimension_weights: {category!r} is not a root category (one of "
                    f"{', '.join(sorted(known))})"
                )
            _sums_to_one(weights, f"category_dimension_weights.{category}")
        return {category: _every_dimension(w) for category, w in value.items()}

    @field_validator("indicator_weights")
    @classmethod
    def _indicators(cls, value: dict[Indicator, float]) -> dict[Indicator, float]:
        for dimension in Dimension:
            inside = {i: w for i, w in value.items() if DIMENSION_OF[i] is dimension}
            _sums_to_one(inside, f"indicator_weights ({dimension.value})")
        return value

    @field_validator("bands")
    @classmethod
    def _bands(cls, value: tuple[Band, ...]) -> tuple[Band, ...]:
        edges = [b.min_score for b in value]
        if not value or edges != sorted(edges, reverse=True) or len(set(edges)) != len(edges):
            raise ValueError("bands: list them from the best down, with distinct minimum scores")
        if edges[-1] != 0:
            raise ValueError("bands: the last band must start at 0")
        return value

    def weights_for(self, root_category: str) -> dict[Dimension, float]:
        return self.category_dimension_weights.get(root_category, self.dimension_weights)

    def band_of(self, score: float) -> str:
        for band in self.bands:
            if score >= band.min_score:
                return band.name
        return self.bands[-1].name


class CreatorScoreDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(default=90, gt=0, le=365)
    min_orders: int = Field(default=20, ge=1)
    weekly_decay: float = Field(
        default=0.9, gt=0, le=1, description="weight of an order one week older"
    )
    unreviewed_value: float = Field(
        default=0.9, ge=0, le=1, description="outcome of a delivered order nobody reviewed"
    )
    low: float = 3.0
    high: float = 5.0
    suggestions: int = Field(
        default=2, ge=0, le=4, description="reasons for bad orders given a suggestion"
    )

    @model_validator(mode="after")
    def _range(self) -> CreatorScoreDefinition:
        if self.low >= self.high:
            raise ValueError("low must be below high")
        return self


class CreditLevel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=20)
    min_score: float = Field(ge=0, le=100)


class BuyerCreditDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(default=365, gt=0, le=1095)
    base: float = Field(default=60, ge=0, le=100)
    age_points: float = Field(default=10, ge=0, description="at full_age_days of account age")
    full_age_days: int = Field(default=365, gt=0)
    completed_points: float = Field(default=20, ge=0, description="at full_completed orders")
    full_completed: int = Field(default=20, gt=0)
    return_prior: float = Field(default=2.0, gt=0, description="pseudo-returns at the norm")
    excess_return_points: float = Field(
        default=10, ge=0, description="lost per 100% more returns than normal for the categories"
    )
    excess_return_cap: float = Field(default=20, ge=0)
    buyer_fault_points: float = Field(default=15, ge=0)
    rejected_claim_points: float = Field(default=5, ge=0)
    failed_payment_points: float = Field(default=2, ge=0)
    failed_payment_cap: float = Field(default=10, ge=0)
    flag_points: float = Field(default=30, ge=0)
    levels: tuple[CreditLevel, ...] = (
        CreditLevel(name="excellent", min_score=85),
        CreditLevel(name="good", min_score=70),
        CreditLevel(name="fair", min_score=50),
        CreditLevel(name="low", min_score=0),
    )

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: tuple[CreditLevel, ...]) -> tuple[CreditLevel, ...]:
        edges = [lv.min_score for lv in value]
        if not value or edges != sorted(edges, reverse=True) or edges[-1] != 0:
            raise ValueError("levels: list them from the best down, the last starting at 0")
        return value

    def level_of(self, score: float) -> str:
        for level in self.levels:
            if score >= level.min_score:
                return level.name
        return self.levels[-1].name


class ScoreDefinition(BaseModel):
    """One version of all three scores' parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shop: ShopScoreDefinition = Field(default_factory=ShopScoreDefinition)
    creator: CreatorScoreDefinition = Field(default_factory=CreatorScoreDefinition)
    buyer: BuyerCreditDefinition = Field(default_factory=BuyerCreditDefinition)

    @property
    def longest_window_days(self) -> int:
        return max(self.shop.window_days, self.creator.window_days, self.buyer.window_days)


DEFAULT_VERSION = "v1"


def parse_definition(body: Any, *, stored: bool = False) -> ScoreDefinition:
    """Validate a definition; 422 naming the first field at fault. ``stored``: a body read
    back from the database, which may predate fields added since (see the shop definition's
    ``_stored_before_*`` upgrades); a new body always gets today's defaults."""
    try:
        return ScoreDefinition.model_validate(body, context={"stored": stored})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"] if p != "[key]") or "definition"
        raise InvalidInput(f"score definition: {first['msg']}", field=field) from exc
