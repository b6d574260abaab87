"""From the pipeline's aggregates to scores: weights, bands, levels, explanations, suggestions.

Plain Python over small rows (one per shop and indicator, per creator, per buyer), in a fixed
order, so the same aggregates give the same scores whichever engine produced them.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from shijing.commerce.catalog.categories import CATEGORIES
from shijing.trust.definition import (
    ALL_PEERS,
    DIMENSION_OF,
    HIGHER_IS_BETTER,
    MEAN_INDICATORS,
    BuyerCreditDefinition,
    CreatorScoreDefinition,
    Dimension,
    Indicator,
    ShopScoreDefinition,
)


def category_name(code: str | None) -> str:
    if code is None:
        return "—"
    category = CATEGORIES.get(code)
    return category.name_zh if category else code


def _display(indicator: Indicator, value: float | None) -> float | None:
    """Rates stay fractions; time indicators are shown in hours."""
    if value is None:
        return None
    return value / 3600.0 if indicator in MEAN_INDICATORS else value


@dataclass
class IndicatorResult:
    indicator: str
    dimension: str
    raw: float | None  # the shop's own value (hours for time indicators)
    shrunk: float | None  # pulled toward the category average
    category_average: float | None
    count: int  # events (or seconds) counted
    base: int  # what they are counted over
    better_than: float | None  # share of peers strictly worse (0–1)
    peers: int | None
    score: float | None  # 0–100 against peers
    points: float | None  # what it contributes to the total
    max_points: float
    peer_median: float | None = None
    peer_group: str | None = None  # the root category, or "*" (every shop) when it has too few
    deviation: float | None = None  # peer standard deviations better (+) or worse (−) than average
    change_7d: float | None = None  # points now minus points 7 days ago


@dataclass
class ShopResult:
    shop_id: int
    root_category: str | None
    orders: int
    enough_data: bool
    total: float | None
    band: str | None
    dimensions: dict[str, float] = field(default_factory=dict)
    indicators: list[IndicatorResult] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    def indicator_dicts(self) -> list[dict[str, Any]]:
        return [asdict(i) for i in self.indicators]


_SUGGESTION = {
    Indicator.NEGATIVE_REVIEW_RATE: (
        "{you:.1%} of your reviews rate the product 1–2 stars; the median {peers} has {med:.1%}."
    ),
    Indicator.QUALITY_RETURN_RATE: (
        "{you:.1%} of your delivered orders came back for quality reasons; "
        "the median {peers} has {med:.1%}."
    ),
    Indicator.ON_TIME_PICKUP_RATE: (
        "{you:.0%} of your orders were picked up within the promised time; "
        "the median {peers} reaches {med:.0%}."
    ),
    Indicator.DELIVERY_HOURS: (
        "Your parcels take {you:.0f} hours from pickup to delivery; "
        "the median {peers} takes {med:.0f}."
    ),
    Indicator.COMPLAINT_RATE: (
        "{you:.2%} of your orders led to an upheld complaint; the median {peers} has {med:.2%}."
    ),
    Indicator.DISPUTE_SHOP_FAULT_RATE: (
        "{you:.2%} of your orders ended in a dispute ruled your fault; "
        "the median {peers} has {med:.2%}."
    ),
    Indicator.AFTERSALE_RESPONSE_HOURS: (
        "You answer after-sale requests in {you:.1f} hours on average; "
        "the median {peers} answers in {med:.1f}."
    ),
    Indicator.SHOP_CANCEL_RATE: (
        "You cancelled {you:.1%} of your orders; the median {peers} cancels {med:.1%}."
    ),
}


def _goodness(row: dict[str, Any]) -> float:
    """The shrunk value, signed so that higher is better."""
    value = float(row["shrunk"])
    return value if Indicator(row["indicator"]) in HIGHER_IS_BETTER else -value


def _deviation_points(deviation: float, d: ShopScoreDefinition) -> float:
    """Linear from the floor (``floor_at`` deviations worse than the peer average) to 100
    (``full_points_at`` better); never higher for a worse value."""
    span = d.full_points_at + d.floor_at
    share = min(1.0, max(0.0, (deviation + d.floor_at) / span))
    return d.score_floor + (100.0 - d.score_floor) * share


def _peers(row: dict[str, Any]) -> str:
    return str(row.get("peer_group") or row["root_category"])


def peer_name(peer_group: str | None, root_category: str | None) -> str:
    """How the peers are named in a suggestion: "女装 shop", or "shop" for every shop."""
    if peer_group == ALL_PEERS:
        return "shop"
    return f"{category_name(peer_group or root_category)} shop"


def shop_results(rows: list[dict[str, Any]], d: ShopScoreDefinition) -> dict[int, ShopResult]:
    """Scores, bands and explanations from the pipeline's (shop, indicator) rows."""
    rows = sorted(rows, key=lambda r: (r["shop_id"], r["indicator"]))
    medians: dict[tuple[str, str], float] = {}
    by_peer_group: dict[tuple[str, str], list[float]] = defaultdict(list)
    goodness: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in rows:  # each shop counts among its category's and among every shop ("*")
        if not r["eligible"]:
            continue
        groups = {r["root_category"], ALL_PEERS}
        for group in groups:
            if r["raw"] is not None:
                by_peer_group[(group, r["indicator"])].append(float(r["raw"]))
            if r["shrunk"] is not None:
                goodness[(group, r["indicator"])].append(_goodness(r))
    for key, values in by_peer_group.items():
        medians[key] = statistics.median(sorted(values))
    spread: dict[tuple[str, str], tuple[float, float]] = {}
    for key, values in goodness.items():
        values.sort()  # a fixed order: the same sums whichever engine sent the rows
        mean = math.fsum(values) / len(values)
        sd = (
            math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))
            if len(values) > 1
            else 0.0
        )
        spread[key] = (mean, sd)

    results: dict[int, ShopResult] = {}
    looked_up: dict[tuple[str, str], tuple[Indicator, Dimension, float]] = {}
    for r in rows:
        shop_id = int(r["shop_id"])
        result = results.get(shop_id)
        if result is None:
            result = results[shop_id] = ShopResult(
                shop_id=shop_id,
                root_category=r["root_category"],
                orders=int(r["orders"]),
                enough_data=bool(r["eligible"]),
                total=None,
                band=None,
            )
        key = (r["root_category"], r["indicator"])
        if key not in looked_up:  # once per category and indicator, not per row
            indicator = Indicator(r["indicator"])
            dimension = DIMENSION_OF[indicator]
            weight = d.weights_for(key[0])[dimension] * d.indicator_weights[indicator]
            looked_up[key] = (indicator, dimension, weight)
        indicator, dimension, weight = looked_up[key]
        peers = _peers(r)
        deviation = None
        if r["cume"] is None:
            score = None
        elif d.points_by == "percentile":
            score = d.score_floor + (100.0 - d.score_floor) * float(r["cume"])
        else:
            mean, sd = spread.get((peers, r["indicator"]), (0.0, 0.0))
            if r["shrunk"] is None:  # nothing counted, no prior: nothing to hold against it
                deviation, score = None, 100.0
            elif sd > 1e-12:
                deviation = (_goodness(r) - mean) / sd
                score = _deviation_points(deviation, d)
            else:  # alone, or every peer alike: nobody does better, full points
                deviation, score = 0.0, 100.0
        median = medians.get((peers, r["indicator"]))
        result.indicators.append(
            IndicatorResult(
                indicator=indicator.value,
                dimension=dimension.value,
                raw=_display(indicator, r["raw"]),
                shrunk=_display(indicator, r["shrunk"]),
                category_average=_display(indicator, r["prior"]),
                count=int(r["x"]),
                base=int(r["n"]),
                better_than=None if r["better_than"] is None else float(r["better_than"]),
                peers=None if r["peers"] is None else int(r["peers"]),
                score=None if score is None else round(score, 4),
                points=None if score is None else round(weight * score, 4),
                max_points=round(weight * 100.0, 4),
                peer_median=_display(indicator, median),
                peer_group=peers,
                deviation=None if deviation is None else round(deviation, 4),
            )
        )
    for result in results.values():
        if not result.enough_data:
            continue
        total = sum(i.points or 0.0 for i in result.indicators)
        result.total = round(total, 2)
        result.band = d.band_of(result.total)
        weights = d.weights_for(result.root_category or "")
        for dimension in Dimension:
            inside = [i for i in result.indicators if i.dimension == dimension.value]
            if weights[dimension] > 0:
                result.dimensions[dimension.value] = round(
                    sum(i.points or 0.0 for i in inside) / weights[dimension], 2
                )
        result.suggestions = suggestions_for(result, d.suggestions)
    return results


def suggestions_for(result: ShopResult, how_many: int) -> list[str]:
    """For the indicators that cost the most points, a concrete comparison with the median."""
    costly = sorted(
        (i for i in result.indicators if i.points is not None and i.max_points - i.points > 0.01),
        key=lambda i: (-(i.max_points - (i.points or 0.0)), i.indicator),
    )
    out = []
    for item in costly[:how_many]:
        you = item.raw if item.raw is not None else item.shrunk
        if you is None or item.peer_median is None:
            continue
        template = _SUGGESTION[Indicator(item.indicator)]
        peers = peer_name(item.peer_group, result.root_category)
        out.append(template.format(you=you, med=item.peer_median, peers=peers))
    return out


# -- creators ----------------------------------------------------------------------------------


@dataclass
class CreatorResult:
    creator_id: int
    orders: int
    bad_orders: int
    enough_data: bool
    outcome: float | None
    score: float | None
    conduct_deduction: float = 0.0


def creator_results(
    rows: list[dict[str, Any]],
    d: CreatorScoreDefinition,
    deductions: dict[int, float] | None = None,
) -> dict[int, CreatorResult]:
    """3.0–5.0 from the weighted order outcomes; ``deductions`` is governance's conduct slot."""
    out: dict[int, CreatorResult] = {}
    for r in sorted(rows, key=lambda r: r["creator_id"]):
        creator_id = int(r["creator_id"])
        weight = float(r["weight"] or 0.0)
        outcome = float(r["weighted_value"]) / weight if weight > 0 else None
        deduction = (deductions or {}).get(creator_id, 0.0)
        enough = int(r["orders"]) >= d.min_orders and outcome is not None
        score = None
        if enough and outcome is not None:
            raw = d.low + (d.high - d.low) * outcome - deduction
            score = round(min(d.high, max(d.low, raw)), 6)
        out[creator_id] = CreatorResult(
            creator_id=creator_id,
            orders=int(r["orders"]),
            bad_orders=int(r["bad_orders"]),
            enough_data=enough,
            outcome=None if outcome is None else round(outcome, 9),
            score=score,
            conduct_deduction=deduction,
        )
    return out


# -- buyers ------------------------------------------------------------------------------------


@dataclass
class BuyerResult:
    buyer_id: int
    score: float
    level: str
    reasons: list[dict[str, Any]]


def buyer_result(
    buyer_id: int, r: dict[str, Any], as_of_instant: datetime, d: BuyerCreditDefinition
) -> BuyerResult:
    reasons: list[dict[str, Any]] = [{"code": "base", "points": d.base, "detail": "starting point"}]
    registered: datetime | None = r.get("registered_at")
    age_days = max(0, (as_of_instant - registered).days) if registered else 0
    age = d.age_points * min(1.0, age_days / d.full_age_days)
    reasons.append(
        {"code": "account_age", "points": round(age, 2), "detail": f"account {age_days} days old"}
    )
    completed = int(r.get("completed") or 0)
    done = d.completed_points * min(1.0, completed / d.full_completed)
    reasons.append(
        {"code": "completed_orders", "points": round(done, 2), "detail": f"{completed} completed"}
    )
    returns, expected = int(r.get("returns") or 0), float(r.get("expected_returns") or 0.0)
    ratio = (returns + d.return_prior) / (expected + d.return_prior)
    excess = min(d.excess_return_cap, max(0.0, ratio - 1.0) * d.excess_return_points)
    reasons.append(
        {
            "code": "returns",
            "points": -round(excess, 2),
            "detail": f"{returns} returns where {expected:.1f} are normal for what you buy",
        }
    )
    for code, count, per, cap in (
        ("buyer_fault", int(r.get("buyer_fault") or 0), d.buyer_fault_points, None),
        ("rejected_claims", int(r.get("rejected") or 0), d.rejected_claim_points, None),
        (
            "failed_payments",
            int(r.get("failed_payments") or 0),
            d.failed_payment_points,
            d.failed_payment_cap,
        ),
        ("integrity_flags", int(r.get("flags") or 0), d.flag_points, None),
    ):
        lost = count * per if cap is None else min(cap, count * per)
        reasons.append({"code": code, "points": -round(lost, 2), "detail": f"{count}"})
    score = round(min(100.0, max(0.0, sum(float(x["points"]) for x in reasons))), 2)
    return BuyerResult(buyer_id=buyer_id, score=score, level=d.level_of(score), reasons=reasons)


def buyer_results(
    rows: list[dict[str, Any]], as_of_instant: datetime, d: BuyerCreditDefinition
) -> dict[int, BuyerResult]:
    return {
        int(r["buyer_id"]): buyer_result(int(r["buyer_id"]), r, as_of_instant, d)
        for r in sorted(rows, key=lambda r: r["buyer_id"])
    }


def as_of_label(day: date) -> str:
    return day.isoformat()
