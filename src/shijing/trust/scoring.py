"""From the pipeline's aggregates to scores: weights, bands, levels, explanations, suggestions.

Small inputs (one row per shop and indicator, per creator, per buyer), in a fixed order, so the
same aggregates give the same scores whichever engine produced them. The shop rows are scored
with numpy, all at once (peer figures on sorted values with exact sums, totals added in row
order); a shop's explanation objects are built only when read.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shijing.commerce.catalog.categories import CATEGORIES
from shijing.trust.definition import (
    ALL_PEERS,
    CREATOR_OUTCOMES,
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


class _Explanations:
    """Every (shop, indicator) explanation of a run, as columns (computed with numpy in one
    go); a shop's ``IndicatorResult`` rows are only built when someone reads them."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.columns = columns

    def items(self, first: int, last: int) -> list[IndicatorResult]:
        columns: list[list[Any]] = []
        for name in _EXPLANATION_FIELDS:
            values = self.columns[name][first:last]
            if not isinstance(values, np.ndarray):
                columns.append(list(values))
            elif name in ("count", "base"):
                columns.append(values.tolist())
            elif name == "peers":
                columns.append([None if v != v else int(v) for v in values.tolist()])
            else:
                columns.append([None if v != v else v for v in values.tolist()])
        return [IndicatorResult(*values) for values in zip(*columns, strict=True)]


_EXPLANATION_FIELDS = tuple(f.name for f in fields(IndicatorResult))


@dataclass
class ShopResult:
    shop_id: int
    root_category: str | None
    orders: int
    enough_data: bool
    total: float | None
    band: str | None
    dimensions: dict[str, float] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)
    _explained: _Explanations | None = field(default=None, repr=False, compare=False)
    _rows: tuple[int, int] = field(default=(0, 0), repr=False, compare=False)
    _indicators: list[IndicatorResult] | None = field(default=None, repr=False, compare=False)

    @property
    def indicators(self) -> list[IndicatorResult]:
        """One explanation per indicator, in indicator order (built on first use)."""
        if self._indicators is None:
            explained = self._explained
            self._indicators = [] if explained is None else explained.items(*self._rows)
        return self._indicators

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


def _deviation_points(deviation: float, d: ShopScoreDefinition) -> float:
    """Points for a shop ``deviation`` peer standard deviations better (+) or worse (−) than
    the peer average; never higher for a worse value.

    With ``average_points`` (the default): ``average_points`` at the average, rising linearly
    to 100 at ``full_points_at`` and falling linearly to ``score_floor`` at ``floor_at`` worse
    (by default 85 at the average, 100 at +1.5 SD, 0 at −3 SD: a deviation below the average
    costs 28⅓ points per SD, one above it earns 10). Without it (versions stored before it
    existed): one line from the floor at ``floor_at`` worse to 100 at ``full_points_at``."""
    if d.average_points is None:
        span = d.full_points_at + d.floor_at
        share = min(1.0, max(0.0, (deviation + d.floor_at) / span))
        return d.score_floor + (100.0 - d.score_floor) * share
    if deviation >= 0:
        if deviation >= d.full_points_at:
            return 100.0
        return d.average_points + (100.0 - d.average_points) * deviation / d.full_points_at
    worse = min(1.0, -deviation / d.floor_at)
    return d.average_points - (d.average_points - d.score_floor) * worse


def peer_name(peer_group: str | None, root_category: str | None) -> str:
    """How the peers are named in a suggestion: "女装 shop", or "shop" for every shop."""
    if peer_group == ALL_PEERS:
        return "shop"
    return f"{category_name(peer_group or root_category)} shop"


def _deviation_points_array(deviation: np.ndarray, d: ShopScoreDefinition) -> np.ndarray:
    """``_deviation_points`` over an array (the same arithmetic, element by element)."""
    if d.average_points is None:
        span = d.full_points_at + d.floor_at
        share = np.minimum(1.0, np.maximum(0.0, (deviation + d.floor_at) / span))
        return d.score_floor + (100.0 - d.score_floor) * share
    avg = d.average_points
    full = max(d.full_points_at, 1e-300)
    better = np.where(deviation >= d.full_points_at, 100.0, avg + (100.0 - avg) * deviation / full)
    worse = avg - (avg - d.score_floor) * np.minimum(1.0, -deviation / d.floor_at)
    return np.where(deviation >= 0, better, worse)


_ORDER = sorted(i.value for i in Indicator)  # a shop's rows, in this order
_CODE = {name: k for k, name in enumerate(_ORDER)}
_DIMENSION_NAMES = [DIMENSION_OF[Indicator(name)].value for name in _ORDER]
_HOURS = np.array([Indicator(name) in MEAN_INDICATORS for name in _ORDER])
_HIGHER = np.array([Indicator(name) in HIGHER_IS_BETTER for name in _ORDER])
# the best value an indicator can take, as "goodness" (higher is better): every rate that counts
# what went wrong at 0, on-time pickup at 1 (100%), the hours at 0
_BEST = np.where(_HIGHER, 1.0, 0.0)


def _floats(table: pa.Table, name: str) -> np.ndarray:
    """A column as float64, null as NaN."""
    column = pc.cast(table.column(name), pa.float64())
    return np.asarray(pc.fill_null(column, math.nan).to_numpy(), dtype=np.float64)


def _ints(table: pa.Table, name: str) -> np.ndarray:
    column = pc.fill_null(pc.cast(table.column(name), pa.int64()), 0)
    return np.asarray(column.to_numpy(), dtype=np.int64)


def _peer_stats(
    values: np.ndarray, groups: np.ndarray, indicator: np.ndarray, n_groups: int, all_code: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (peer group, indicator): whether any value, their mean and sample SD, computed on
    sorted values with exact sums (the same figures whichever engine sent the rows). Each row
    counts in its own group and in the group of every shop."""
    size = n_groups * len(_ORDER)
    found, mean, sd = np.zeros(size, bool), np.zeros(size), np.zeros(size)
    present = ~np.isnan(values)
    for k in range(len(_ORDER)):
        in_k = present & (indicator == k)
        for g in [*np.unique(groups[in_k]).tolist(), all_code]:
            chosen = values[in_k] if g == all_code else values[in_k & (groups == g)]
            if not len(chosen):
                continue
            ordered = sorted(chosen.tolist())
            mu = math.fsum(ordered) / len(ordered)
            key = g * len(_ORDER) + k
            found[key], mean[key] = True, mu
            if len(ordered) > 1:
                sd[key] = math.sqrt(math.fsum((v - mu) ** 2 for v in ordered) / (len(ordered) - 1))
    return found, mean, sd


def _peer_medians(
    values: np.ndarray, groups: np.ndarray, indicator: np.ndarray, n_groups: int, all_code: int
) -> np.ndarray:
    out = np.full(n_groups * len(_ORDER), np.nan)
    present = ~np.isnan(values)
    for k in range(len(_ORDER)):
        in_k = present & (indicator == k)
        for g in [*np.unique(groups[in_k]).tolist(), all_code]:
            chosen = values[in_k] if g == all_code else values[in_k & (groups == g)]
            if len(chosen):
                out[g * len(_ORDER) + k] = statistics.median(sorted(chosen.tolist()))
    return out


def shop_results(
    rows: list[dict[str, Any]] | pa.Table, d: ShopScoreDefinition
) -> dict[int, ShopResult]:
    """Scores, bands and explanations from the pipeline's (shop, indicator) rows.

    Vectorised over all rows at once (numpy); peer averages, spreads and medians are taken
    per peer group on sorted values with exact sums, so identical rows from DuckDB or Spark
    give identical scores. The ``IndicatorResult`` objects of a shop are built when read."""
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows)
    if table.num_rows == 0:
        return {}
    names = table.column("indicator").to_pylist()
    indicator = np.fromiter((_CODE[v] for v in names), np.int64, len(names))
    order = np.lexsort((indicator, _ints(table, "shop_id")))
    table, indicator = table.take(pa.array(order)), indicator[order]
    shop = _ints(table, "shop_id")
    categories: list[str | None] = table.column("root_category").to_pylist()
    peer_groups = [
        p or c for p, c in zip(table.column("peer_group").to_pylist(), categories, strict=True)
    ]
    codes: dict[str | None, int] = {ALL_PEERS: 0}
    for name in (*categories, *peer_groups):
        codes.setdefault(name, len(codes))
    category = np.fromiter((codes[c] for c in categories), np.int64, len(categories))
    peer_group = np.fromiter((codes[p] for p in peer_groups), np.int64, len(peer_groups))
    eligible = np.asarray(table.column("eligible").to_numpy(zero_copy_only=False), dtype=bool)
    raw, prior, shrunk = _floats(table, "raw"), _floats(table, "prior"), _floats(table, "shrunk")
    cume, better_than, peers = (
        _floats(table, "cume"),
        _floats(table, "better_than"),
        _floats(table, "peers"),
    )
    goodness = np.where(_HIGHER[indicator], shrunk, -shrunk)

    n_groups, width = len(codes), len(_ORDER)
    eligible_groups = np.where(eligible, category, -1)
    medians = _peer_medians(
        np.where(eligible, raw, np.nan), eligible_groups, indicator, n_groups, 0
    )
    found, means, sds = _peer_stats(
        np.where(eligible, goodness, np.nan), eligible_groups, indicator, n_groups, 0
    )
    key = peer_group * width + indicator
    with np.errstate(invalid="ignore", divide="ignore"):
        if d.points_by == "percentile":
            score = d.score_floor + (100.0 - d.score_floor) * cume
            deviation = np.full(len(key), np.nan)
        else:
            sd = np.where(found[key], sds[key], 0.0)
            spread = sd > 1e-12
            dev = np.where(spread, (goodness - means[key]) / np.where(spread, sd, 1.0), 0.0)
            no_value = np.isnan(shrunk)
            # Peers without spread all stand at the average (deviation 0, average points),
            # with full points only where that common value is the best there is: a shop that
            # worsens until it ties its peers loses points instead of jumping to 100. A shop
            # alone in its group has nobody to fall short of: full points.
            alone = ~(peers > 1)
            tied_at_best = ~spread & np.isclose(goodness, _BEST[indicator], rtol=0, atol=1e-12)
            full = no_value | alone | tied_at_best
            score = np.where(
                np.isnan(cume), np.nan, np.where(full, 100.0, _deviation_points_array(dev, d))
            )
            deviation = np.where(np.isnan(cume) | no_value, np.nan, dev)
    weight_of = np.zeros(n_groups * width)
    for name, g in codes.items():
        weights = d.weights_for(name or "")
        for k, indicator_name in enumerate(_ORDER):
            dimension = DIMENSION_OF[Indicator(indicator_name)]
            share = d.indicator_weights.get(Indicator(indicator_name), 0.0)
            weight_of[g * width + k] = weights[dimension] * share
    weight = weight_of[category * width + indicator]
    points = np.round(weight * score, 4)
    score = np.round(score, 4)
    max_points = np.round(weight * 100.0, 4)
    hours = np.where(_HOURS[indicator], 3600.0, 1.0)

    explained = _Explanations(
        {
            "indicator": [_ORDER[k] for k in indicator.tolist()],
            "dimension": [_DIMENSION_NAMES[k] for k in indicator.tolist()],
            "raw": raw / hours,
            "shrunk": shrunk / hours,
            "category_average": prior / hours,
            "count": _ints(table, "x"),
            "base": _ints(table, "n"),
            "better_than": better_than,
            "peers": peers,
            "score": score,
            "points": points,
            "max_points": max_points,
            "peer_median": medians[key] / hours,
            "peer_group": peer_groups,
            "deviation": np.round(deviation, 4),
            "change_7d": [None] * len(key),
        }
    )

    starts = np.flatnonzero(np.r_[True, shop[1:] != shop[:-1]])
    ends = np.r_[starts[1:], len(shop)]
    counted = np.nan_to_num(points)
    totals = _sums_in_order(counted, starts, ends)
    dimension_of_row = np.array(_DIMENSION_NAMES)[indicator]
    dimension_sums = {
        dim: _sums_in_order(np.where(dimension_of_row == dim.value, counted, 0.0), starts, ends)
        for dim in Dimension
    }
    suggestions = _suggestions(explained, shop, indicator, eligible, categories, d)
    orders = _ints(table, "orders")
    results: dict[int, ShopResult] = {}
    for s, (first, last) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        shop_id = int(shop[first])
        root = categories[first]
        result = ShopResult(
            shop_id=shop_id,
            root_category=root,
            orders=int(orders[first]),
            enough_data=bool(eligible[first]),
            total=None,
            band=None,
            _explained=explained,
            _rows=(first, last),
        )
        if result.enough_data:
            result.total = round(float(totals[s]), 2)
            result.band = d.band_of(result.total)
            weights = d.weights_for(root or "")
            result.dimensions = {
                dim.value: round(float(dimension_sums[dim][s]) / weights[dim], 2)
                for dim in Dimension
                if weights[dim] > 0
            }
            result.suggestions = suggestions.get(shop_id, [])
        results[shop_id] = result
    return results


def _sums_in_order(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each shop's values added one after the other in row order, as a plain ``sum`` would
    (numpy's own sums pair them up, which can move a total rounded to cents by one)."""
    lengths = ends - starts
    out = np.zeros(len(starts))
    for j in range(int(lengths.max()) if len(lengths) else 0):
        has = lengths > j
        out[has] = out[has] + values[starts[has] + j]
    return out


def _suggestions(
    explained: _Explanations,
    shop: np.ndarray,
    indicator: np.ndarray,
    eligible: np.ndarray,
    categories: list[str | None],
    d: ShopScoreDefinition,
) -> dict[int, list[str]]:
    """For the indicators that cost each shop the most points, a concrete comparison with the
    median of its peers (``d.suggestions`` per shop)."""
    c = explained.columns
    points: np.ndarray = c["points"]
    cost = c["max_points"] - points
    with np.errstate(invalid="ignore"):
        candidates = np.flatnonzero(eligible & ~np.isnan(points) & (cost > 0.01))
    ranked = candidates[np.lexsort((indicator[candidates], -cost[candidates], shop[candidates]))]
    shops = shop[ranked]
    first = np.r_[True, shops[1:] != shops[:-1]] if len(ranked) else np.zeros(0, bool)
    start = np.maximum.accumulate(np.where(first, np.arange(len(ranked)), 0))
    chosen = ranked[(np.arange(len(ranked)) - start) < d.suggestions]
    out: dict[int, list[str]] = defaultdict(list)
    for row in chosen.tolist():
        you = c["raw"][row] if not math.isnan(c["raw"][row]) else c["shrunk"][row]
        median = c["peer_median"][row]
        if math.isnan(you) or math.isnan(median):
            continue
        template = _SUGGESTION[Indicator(c["indicator"][row])]
        peers = peer_name(c["peer_group"][row], categories[row])
        out[int(shop[row])].append(template.format(you=float(you), med=float(median), peers=peers))
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
    # why orders went badly, one entry per reason (``CREATOR_OUTCOMES``): count, rate, the score
    # they cost, the peers' median rate and the share of peers doing worse
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    worst_shop: dict[str, int] | None = None  # the shop most of the bad orders came from
    suggested: list[str] = field(default_factory=list)  # the reasons given a suggestion
    suggestions: list[str] = field(default_factory=list)  # those suggestions, in English


_CREATOR_SUGGESTION = {
    "negative_review": "{you:.1%} of the orders you sold got a 1–2 star review; the median "
    "creator's is {med:.1%}.",
    "quality_return": "{you:.1%} of the orders you sold came back as quality returns; the "
    "median creator's is {med:.1%}.",
    "complaint": "{you:.1%} of the orders you sold ended in an upheld complaint; the median "
    "creator's is {med:.1%}.",
    "shop_cancel": "The shop cancelled {you:.1%} of the orders you sold; the median creator's "
    "is {med:.1%}.",
}
_WORST_SHOP = "{bad} of your {n} bad orders came from shop {shop}: check what you sell for it."


def _creator_explanations(
    out: dict[int, CreatorResult],
    rows: list[dict[str, Any]],
    d: CreatorScoreDefinition,
    shop_rows: list[dict[str, Any]],
) -> None:
    """Each creator's reasons for bad orders against the creators with enough data, the shop
    most of them came from, and suggestions for the reasons that cost the most."""
    by_id = {int(r["creator_id"]): r for r in rows}
    peers = [c for c in out.values() if c.enough_data]
    rates = {
        k: np.array([int(by_id[c.creator_id][f"{k}_n"] or 0) / c.orders for c in peers])
        for k in CREATOR_OUTCOMES
    }
    medians = {k: float(np.median(v)) if len(v) else None for k, v in rates.items()}
    worst: dict[int, dict[str, int]] = {}
    for r in sorted(
        shop_rows, key=lambda r: (r["creator_id"], -int(r["bad_orders"]), r["shop_id"])
    ):
        if int(r["bad_orders"]) > 0 and int(r["creator_id"]) not in worst:
            worst[int(r["creator_id"])] = {
                "shop_id": int(r["shop_id"]),
                "bad_orders": int(r["bad_orders"]),
                "orders": int(r["orders"]),
            }
    span = d.high - d.low
    for creator in out.values():
        r = by_id[creator.creator_id]
        weight = float(r["weight"] or 0.0)
        for k in CREATOR_OUTCOMES:
            count = int(r[f"{k}_n"] or 0)
            rate = count / creator.orders if creator.orders else None
            peer_rates, median = rates[k], medians[k]
            creator.outcomes.append(
                {
                    "reason": k,
                    "count": count,
                    "rate": None if rate is None else round(rate, 6),
                    # the score these orders cost: had they gone as well as they could (value
                    # 1 instead of 0), the outcome would be this much higher, on the 3–5 scale
                    "costs": round(span * float(r[f"{k}_w"] or 0.0) / weight, 4)
                    if weight > 0
                    else None,
                    "peer_median": None if median is None else round(median, 6),
                    "better_than": round(float(np.mean(peer_rates > rate)), 4)
                    if creator.enough_data and rate is not None and len(peer_rates)
                    else None,
                }
            )
        creator.worst_shop = worst.get(creator.creator_id)
        if not creator.enough_data:
            continue
        costly = sorted(
            (o for o in creator.outcomes if (o["costs"] or 0) > 0),
            key=lambda o: (-(o["costs"] or 0.0), o["reason"]),
        )[: d.suggestions]
        creator.suggested = [o["reason"] for o in costly]
        creator.suggestions = [
            _CREATOR_SUGGESTION[o["reason"]].format(
                you=o["rate"] or 0.0, med=o["peer_median"] or 0.0
            )
            for o in costly
        ]
        shop = creator.worst_shop
        if costly and shop is not None and shop["bad_orders"] >= 2:
            creator.suggestions.append(
                _WORST_SHOP.format(
                    bad=shop["bad_orders"], n=creator.bad_orders, shop=shop["shop_id"]
                )
            )


def creator_results(
    rows: list[dict[str, Any]],
    d: CreatorScoreDefinition,
    deductions: dict[int, float] | None = None,
    shop_rows: list[dict[str, Any]] | None = None,
) -> dict[int, CreatorResult]:
    """3.0–5.0 from the weighted order outcomes, explained by the reasons orders went badly;
    ``deductions`` is governance's conduct slot; ``shop_rows`` (``pipeline.creator_shops``)
    names the shop most bad orders came from."""
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
    _creator_explanations(out, rows, d, shop_rows or [])
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
    # what to do about it: the reasons that cost the most, and completing orders while it is
    # short of its full points
    tips = sorted((x for x in reasons if float(x["points"]) < 0), key=lambda x: float(x["points"]))
    chosen = tips[:2]
    if len(chosen) < 2 and done < d.completed_points:
        chosen.append(next(x for x in reasons if x["code"] == "completed_orders"))
    for rank, reason in enumerate(chosen, start=1):
        reason["tip"] = rank  # the costliest first
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
