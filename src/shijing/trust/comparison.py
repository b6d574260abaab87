"""A candidate score definition beside the one in force, on the same day: what switching it on
would change for shops, creators and buyers, before anyone is affected.

Both versions' stored scores of one day are read (a version on trial is scored daily beside the
active one; ``shijing score run --definition V`` scores one by hand), so the comparison reads
what each version really computed from the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, TypeVar

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.errors import InvalidInput
from shijing.trust.definition import ScoreDefinition
from shijing.trust.models import BuyerCredit, CreatorScore, ScoreRun, ShopScore
from shijing.trust.versions import (
    active_version,
    definition_of,
    find_version,
)

NOT_ENOUGH_DATA = "not_enough_data"
MOVERS = 10


def _difference(baseline: float | None, candidate: float | None) -> float | None:
    """Candidate minus baseline, None where either version has no score."""
    if baseline is None or candidate is None:
        return None
    return round(candidate - baseline, 2)


@dataclass(frozen=True)
class ShopChange:
    shop_id: int
    baseline: float | None  # None: not enough data under that version
    candidate: float | None
    baseline_band: str
    candidate_band: str
    dimensions: dict[str, float]  # candidate − baseline, per dimension both versions score

    @property
    def change(self) -> float | None:
        return _difference(self.baseline, self.candidate)


@dataclass(frozen=True)
class CreatorChange:
    creator_id: int
    baseline: float | None
    candidate: float | None

    @property
    def change(self) -> float | None:
        return _difference(self.baseline, self.candidate)


@dataclass
class Changes:
    """How one score moved over the subjects scored under both versions."""

    compared: int = 0  # subjects with a score under both
    mean_change: float | None = None
    mean_abs_change: float | None = None
    max_abs_change: float | None = None
    spearman: float | None = None  # rank correlation of the two versions' scores


@dataclass
class ShopComparison:
    shops: int = 0  # shops scored under either version
    changes: Changes = field(default_factory=Changes)
    # baseline band → candidate band → shops ("not_enough_data" included)
    bands: dict[str, dict[str, int]] = field(default_factory=dict)
    moved_up: int = 0  # into a better band
    moved_down: int = 0
    gained_score: int = 0  # not enough data before, scored now
    lost_score: int = 0
    movers: list[ShopChange] = field(default_factory=list)


@dataclass
class CreatorComparison:
    creators: int = 0
    changes: Changes = field(default_factory=Changes)
    became_shown: int = 0  # reached the minimum volume under the candidate only
    became_hidden: int = 0
    movers: list[CreatorChange] = field(default_factory=list)


@dataclass
class BuyerComparison:
    buyers: int = 0
    changes: Changes = field(default_factory=Changes)
    levels: dict[str, dict[str, int]] = field(default_factory=dict)  # baseline → candidate
    moved_up: int = 0
    moved_down: int = 0


@dataclass
class Comparison:
    as_of: date
    baseline: str
    candidate: str
    shops: ShopComparison
    creators: CreatorComparison
    buyers: BuyerComparison


def _run_days(session: Session, version: str) -> set[date]:
    return set(
        session.scalars(select(ScoreRun.as_of).where(ScoreRun.definition_version == version))
    )


def _day(session: Session, baseline: str, candidate: str, as_of: date | None) -> date:
    both = _run_days(session, baseline) & _run_days(session, candidate)
    if as_of is not None:
        if as_of not in both:
            raise InvalidInput(
                f"{baseline} and {candidate} were not both scored as of {as_of}", field="as_of"
            )
        return as_of
    if not both:
        raise InvalidInput(
            f"no day was scored under both {baseline} and {candidate}: score {candidate} "
            f"(shijing score run --definition {candidate}, or put it on trial)",
            field="as_of",
        )
    return max(both)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 0, ties sharing their average rank."""
    order = values.argsort(kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    return (np.bincount(inverse, weights=ranks) / counts)[inverse]


def _changes(pairs: list[tuple[float, float]]) -> Changes:
    if not pairs:
        return Changes()
    before = np.array([p[0] for p in pairs], dtype=float)
    after = np.array([p[1] for p in pairs], dtype=float)
    delta = after - before
    spearman = None
    rb, ra = _ranks(before), _ranks(after)
    if len(pairs) >= 3 and rb.std() > 0 and ra.std() > 0:
        spearman = round(float(np.corrcoef(rb, ra)[0, 1]), 4)
    return Changes(
        compared=len(pairs),
        mean_change=round(float(delta.mean()), 4),
        mean_abs_change=round(float(np.abs(delta).mean()), 4),
        max_abs_change=round(float(np.abs(delta).max()), 4),
        spearman=spearman,
    )


class _Moved(Protocol):
    @property
    def baseline(self) -> float | None: ...

    @property
    def candidate(self) -> float | None: ...

    @property
    def change(self) -> float | None: ...


M = TypeVar("M", bound=_Moved)


def _changes_and_movers(changes: list[M]) -> tuple[Changes, list[M]]:
    """The change over everything scored under both, and the biggest movers (stable order for
    ties: the order ``changes`` come in)."""
    both = [(c.baseline, c.candidate) for c in changes]
    summary = _changes([(b, c) for b, c in both if b is not None and c is not None])
    moved = sorted((c for c in changes if c.change), key=lambda c: -abs(c.change or 0.0))
    return summary, moved[:MOVERS]


def _matrix(pairs: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for before, after in pairs:
        row = out.setdefault(before, {})
        row[after] = row.get(after, 0) + 1
    return out


def _band_edges(d: ScoreDefinition) -> dict[str, float]:
    return {b.name: b.min_score for b in d.shop.bands}


def _scored(row: ShopScore | None) -> tuple[float | None, str]:
    if row is None or not row.enough_data or row.total is None:
        return None, NOT_ENOUGH_DATA
    return row.total, row.band or NOT_ENOUGH_DATA


def _shops(
    session: Session, day: date, versions: tuple[str, str], defs: tuple[ScoreDefinition, ...]
) -> ShopComparison:
    rows: dict[int, dict[str, ShopScore]] = {}
    for row in session.scalars(
        select(ShopScore).where(ShopScore.as_of == day, ShopScore.definition_version.in_(versions))
    ):
        rows.setdefault(row.shop_id, {})[row.definition_version] = row
    baseline, candidate = versions
    edges = (_band_edges(defs[0]), _band_edges(defs[1]))
    out = ShopComparison(shops=len(rows))
    changes, bands = [], []
    for shop_id in sorted(rows):
        b, c = rows[shop_id].get(baseline), rows[shop_id].get(candidate)
        (b_total, b_band), (c_total, c_band) = _scored(b), _scored(c)
        bands.append((b_band, c_band))
        if b_total is None and c_total is not None:
            out.gained_score += 1
        elif b_total is not None and c_total is None:
            out.lost_score += 1
        elif b_total is not None and c_total is not None:
            b_edge, c_edge = edges[0].get(b_band, 0.0), edges[1].get(c_band, 0.0)
            out.moved_up += c_edge > b_edge
            out.moved_down += c_edge < b_edge
        dims = {}
        if b_total is not None and c_total is not None and b is not None and c is not None:
            dims = {
                k: round(float(v) - float(b.dimensions[k]), 2)
                for k, v in c.dimensions.items()
                if v is not None and b.dimensions.get(k) is not None
            }
        changes.append(ShopChange(shop_id, b_total, c_total, b_band, c_band, dims))
    out.bands = _matrix(bands)
    out.changes, out.movers = _changes_and_movers(changes)
    return out


def _creators(session: Session, day: date, versions: tuple[str, str]) -> CreatorComparison:
    rows: dict[int, dict[str, float | None]] = {}
    for creator_id, version, enough, score in session.execute(
        select(
            CreatorScore.creator_id,
            CreatorScore.definition_version,
            CreatorScore.enough_data,
            CreatorScore.score,
        ).where(CreatorScore.as_of == day, CreatorScore.definition_version.in_(versions))
    ):
        rows.setdefault(creator_id, {})[version] = score if enough else None
    baseline, candidate = versions
    out = CreatorComparison(creators=len(rows))
    changes = []
    for creator_id in sorted(rows):
        b, c = rows[creator_id].get(baseline), rows[creator_id].get(candidate)
        out.became_shown += b is None and c is not None
        out.became_hidden += b is not None and c is None
        changes.append(CreatorChange(creator_id, b, c))
    out.changes, out.movers = _changes_and_movers(changes)
    return out


def _buyers(
    session: Session, day: date, versions: tuple[str, str], defs: tuple[ScoreDefinition, ...]
) -> BuyerComparison:
    rows: dict[int, dict[str, tuple[float, str]]] = {}
    for buyer_id, version, score, level in session.execute(
        select(
            BuyerCredit.buyer_id,
            BuyerCredit.definition_version,
            BuyerCredit.score,
            BuyerCredit.level,
        ).where(BuyerCredit.as_of == day, BuyerCredit.definition_version.in_(versions))
    ):
        rows.setdefault(buyer_id, {})[version] = (score, level)
    baseline, candidate = versions
    edges = [{lv.name: lv.min_score for lv in d.buyer.levels} for d in defs]
    out = BuyerComparison(buyers=len(rows))
    pairs, levels = [], []
    for per in rows.values():
        b, c = per.get(baseline), per.get(candidate)
        if b is None or c is None:
            continue
        pairs.append((b[0], c[0]))
        levels.append((b[1], c[1]))
        b_edge, c_edge = edges[0].get(b[1], 0.0), edges[1].get(c[1], 0.0)
        out.moved_up += c_edge > b_edge
        out.moved_down += c_edge < b_edge
    out.changes = _changes(pairs)
    out.levels = _matrix(levels)
    return out


def compare(
    session: Session,
    clock: Clock,
    *,
    candidate: str,
    baseline: str | None = None,
    as_of: date | None = None,
) -> Comparison:
    """``candidate`` against ``baseline`` (default: the active version) on ``as_of`` (default:
    the latest day both were scored). Reads stored scores only; writes nothing."""
    find_version(session, candidate)
    baseline = baseline or active_version(session)
    find_version(session, baseline, field="against")
    if baseline == candidate:
        raise InvalidInput("compare a version with another one", field="against")
    day = _day(session, baseline, candidate, as_of)
    defs = (definition_of(session, clock, baseline)[1], definition_of(session, clock, candidate)[1])
    versions = (baseline, candidate)
    return Comparison(
        as_of=day,
        baseline=baseline,
        candidate=candidate,
        shops=_shops(session, day, versions, defs),
        creators=_creators(session, day, versions),
        buyers=_buyers(session, day, versions, defs),
    )
