"""The detectors' definition: every threshold and weight, as versioned data (like the score
definitions). A run records the version it used, and so does every flag it raised.

Sections: ``brushing`` (the dense-block detector and the side information the database adds to
what a plain order graph has: shared devices, addresses and payment instruments),
``fingerprints`` (rings by the devices and cards their accounts share), ``rules`` (the
rule baselines big platforms run, reported beside the detector), ``reviews`` (near-duplicate
texts, rating bursts, reviews by flagged accounts) and ``returns`` (serial returners against
their categories' norm, postage farmed through remote addresses, empty-box claims across shops).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shijing.core.errors import InvalidInput
from shijing.integrity.dense import DenseParams

DEFAULT_VERSION = "i1"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BrushingDefinition(_Section):
    window_days: int = Field(60, ge=7, le=365, description="days of paid orders in the graph")
    dense: dict[str, Any] = Field(
        default_factory=dict, description="overrides of the dense detector's parameters"
    )
    # An order whose device, address or payment instrument is shared by this many buyers (or
    # more) carries the sharing as suspicion, combined with the detector's own (noisy-or).
    shared_min_buyers: int = Field(3, ge=2, le=1000)
    shared_weight: float = Field(0.7, ge=0.0, le=1.0)
    # A block is kept only where something besides its shape says "ring" (``brushing``): its
    # members are the accounts that were young, shared a device, card or address with another
    # member, or placed a block order in a burst or at the ring's amount (a feature this high)
    corroborate_account_age_days: float = Field(30.0, ge=0.0, le=3650.0)
    corroborate_signal: float = Field(0.5, gt=0.0, le=1.0)
    corroborate_min_members: int = Field(3, ge=2, le=1000)

    @field_validator("dense")
    @classmethod
    def _dense_parameters(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            DenseParams.from_dict(value)
        except InvalidInput as exc:
            raise ValueError(f"dense.{exc.field}: {exc}") from exc
        return value

    def params(self) -> DenseParams:
        return DenseParams.from_dict(self.dense)


class FingerprintDefinition(_Section):
    # accounts linked by a device or payment instrument two of them used: a group this large
    min_buyers: int = Field(3, ge=2, le=1000)
    # … whose accounts ordered at one shop through the shared fingerprints, this many of them
    min_members: int = Field(3, ge=2, le=1000)
    # … making up this share of the shop's orders in the window: a ring's camouflage orders at a
    # popular shop are a sliver of its trade, its brushing is a good part of its target's
    min_shop_share: float = Field(0.1, ge=0.0, le=1.0)


class RulesDefinition(_Section):
    # Shopee's rule: orders ÷ unique buyers at one shop within an hour
    orders_per_buyer: float = Field(3.0, gt=1.0, le=100.0)
    window_hours: int = Field(1, ge=1, le=72)
    # a device or address used by this many buyers is a fingerprint cluster
    cluster_min_buyers: int = Field(4, ge=2, le=1000)
    # a shop receiving this many orders from accounts younger than new_account_days in a day
    new_account_days: int = Field(7, ge=1, le=90)
    new_account_orders: int = Field(5, ge=2, le=10_000)


class ReviewsDefinition(_Section):
    window_days: int = Field(60, ge=7, le=365)
    ngram: int = Field(3, ge=2, le=8, description="character n-grams (no word segmentation)")
    num_perm: int = Field(64, ge=16, le=512, description="MinHash permutations")
    similarity: float = Field(0.7, gt=0.0, lt=1.0, description="Jaccard of near-duplicates")
    min_chars: int = Field(8, ge=1, le=200, description="shorter texts are not compared")
    min_cluster_buyers: int = Field(3, ge=2, le=1000)
    burst_hours: int = Field(24, ge=1, le=720)
    burst_min_reviews: int = Field(5, ge=2, le=10_000)
    new_account_days: int = Field(7, ge=1, le=90)


class ReturnsDefinition(_Section):
    window_days: int = Field(90, ge=7, le=365)
    min_returns: int = Field(4, ge=2, le=1000)
    prior_orders: float = Field(5.0, gt=0.0, le=1000.0, description="shrinkage toward the norm")
    excess_rate: float = Field(0.35, gt=0.0, le=1.0, description="shrunk rate above the norm")
    remote_min_returns: int = Field(2, ge=1, le=1000)
    empty_box_min_shops: int = Field(2, ge=2, le=1000)


class IntegrityDefinition(_Section):
    brushing: BrushingDefinition = Field(default_factory=BrushingDefinition)
    fingerprints: FingerprintDefinition = Field(default_factory=FingerprintDefinition)
    rules: RulesDefinition = Field(default_factory=RulesDefinition)
    reviews: ReviewsDefinition = Field(default_factory=ReviewsDefinition)
    returns: ReturnsDefinition = Field(default_factory=ReturnsDefinition)

    @property
    def longest_window_days(self) -> int:
        return max(self.brushing.window_days, self.reviews.window_days, self.returns.window_days)


def parse_definition(body: Any) -> IntegrityDefinition:
    """Validate a definition; 422 naming the first field at fault."""
    try:
        return IntegrityDefinition.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"] if p != "[key]") or "definition"
        message = str(first["msg"]).removeprefix("Value error, ")
        if message.startswith("dense."):  # the detector named its own parameter
            field, _, message = f"{field}.{message.removeprefix('dense.')}".partition(": ")
        raise InvalidInput(f"integrity definition: {message}", field=field) from exc
