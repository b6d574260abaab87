"""Use-cases of the trust domain: definitions, the daily run, serving scores."""

from __future__ import annotations

import time as timer
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.orders.models import Order
from shijing.core.clock import Clock
from shijing.core.errors import InvalidInput
from shijing.core.outbox import emit
from shijing.facts.engines import FactsEngine, check_as_of, check_engine
from shijing.facts.export import export_facts
from shijing.integrity.runs import run_detection
from shijing.trust import events as trust_events
from shijing.trust import pipeline, scoring
from shijing.trust.models import BuyerCredit, CreatorScore, ScoreRun, ShopScore
from shijing.trust.settings import get_trust_settings
from shijing.trust.versions import active_version, definition_of, last_run_day, trial_versions

log = structlog.get_logger(__name__)

Progress = Callable[[str], None]


# -- the run -----------------------------------------------------------------------------------


@dataclass
class RunSummary:
    as_of: date
    definition_version: str
    engine: str
    shops: int = 0
    shops_scored: int = 0
    bands: dict[str, int] = field(default_factory=dict)
    creators: int = 0
    creators_scored: int = 0
    buyers: int = 0
    movers: list[tuple[int, float, float]] = field(default_factory=list)  # shop, before, now
    movers_since: date | None = None  # the previous run's day the movers are measured from
    seconds: float = 0.0


def run_scores(
    session: Session,
    clock: Clock,
    *,
    as_of: date | None = None,
    engine: str = "duckdb",
    version: str | None = None,
    root: Path | None = None,
    export: bool = True,
    progress: Progress | None = None,
    spark_master: str | None = None,
) -> RunSummary:
    """Export the facts, score every shop, creator and buyer as of ``as_of`` (T+1) under one
    definition version, and store the results. Validates everything before writing: on any
    error the stored scores stay as they were."""
    started = timer.monotonic()
    say = progress or (lambda _step: None)
    check_engine(engine)
    day = check_as_of(clock, as_of)
    version_name, definition = definition_of(session, clock, version)
    settings = get_trust_settings()
    root = root or settings.facts_dir
    if export:
        say("export")
        export_facts(session, clock, root)
    say("engine")
    scorer = FactsEngine(engine, spark_master=spark_master or settings.spark_master)
    try:
        facts = pipeline.load_facts(scorer, root, day, definition.longest_window_days)
        first, count = pipeline.data_bounds(scorer, facts)
        if count == 0 or first is None or _aware(first) >= pipeline.instant(day):
            raise InvalidInput(
                f"no facts before {day}: the as-of date is before any data", field="as_of"
            )
        say("shops")
        shop_rows = scorer.collect_arrow(
            pipeline.shop_indicator_values(facts, day, definition.shop)
        )
        say("creators")
        creator_rows = scorer.collect(pipeline.creator_outcomes(facts, day, definition.creator))
        creator_shop_rows = scorer.collect(pipeline.creator_shops(facts, day, definition.creator))
        say("buyers")
        buyer_rows = scorer.collect(pipeline.buyer_aggregates(facts, day, definition.buyer))
    finally:
        scorer.close()
    say("write")
    shops = scoring.shop_results(shop_rows, definition.shop)
    creators = scoring.creator_results(
        creator_rows, definition.creator, shop_rows=creator_shop_rows
    )
    for row in buyer_rows:
        if row.get("registered_at") is not None:
            row["registered_at"] = _aware(row["registered_at"])
    buyers = scoring.buyer_results(buyer_rows, pipeline.instant(day), definition.buyer)
    summary = RunSummary(as_of=day, definition_version=version_name, engine=engine)
    _store(session, clock, day, version_name, shops, creators, buyers, summary)
    summary.seconds = round(timer.monotonic() - started, 3)
    session.execute(
        delete(ScoreRun).where(ScoreRun.definition_version == version_name, ScoreRun.as_of == day)
    )
    session.add(
        ScoreRun(
            definition_version=version_name,
            as_of=day,
            engine=engine,
            shops=summary.shops,
            creators=summary.creators,
            buyers=summary.buyers,
            seconds=summary.seconds,
            computed_at=clock.now(),
        )
    )
    session.flush()
    emit(
        session,
        clock,
        trust_events.TRUST_SCORES_COMPUTED,
        as_of=day,
        definition_version=version_name,
        active=version_name == active_version(session),
        shops=summary.shops,
    )
    log.info("trust.scores_computed", as_of=str(day), version=version_name, shops=summary.shops)
    return summary


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _store(
    session: Session,
    clock: Clock,
    day: date,
    version: str,
    shops: dict[int, scoring.ShopResult],
    creators: dict[int, scoring.CreatorResult],
    buyers: dict[int, scoring.BuyerResult],
    summary: RunSummary,
) -> None:
    now = clock.now()
    week_ago = _points_by_shop(session, version, day - timedelta(days=7))
    # movers against the version's previous run, however many days ago (a missed day, or a
    # run by hand weeks later, still shows who moved)
    previous_day = session.scalar(
        select(ScoreRun.as_of)
        .where(ScoreRun.definition_version == version, ScoreRun.as_of < day)
        .order_by(ScoreRun.as_of.desc())
        .limit(1)
    )
    summary.movers_since = previous_day
    before_totals = dict(
        session.execute(
            select(ShopScore.shop_id, ShopScore.total).where(
                ShopScore.definition_version == version,
                ShopScore.as_of == previous_day,
                ShopScore.total.is_not(None),
            )
        ).all()
    )
    for table in (ShopScore, CreatorScore, BuyerCredit):
        session.execute(
            delete(table).where(table.definition_version == version, table.as_of == day)
        )
    bands: Counter[str] = Counter()
    movers = []
    for shop in shops.values():
        before = week_ago.get(shop.shop_id, {})
        for item in shop.indicators:
            if item.points is not None and before.get(item.indicator) is not None:
                item.change_7d = round(item.points - before[item.indicator], 4)
        if shop.band:
            bands[shop.band] += 1
        previous_total = before_totals.get(shop.shop_id)
        if shop.total is not None and previous_total is not None:
            movers.append((shop.shop_id, float(previous_total), shop.total))
        session.add(
            ShopScore(
                shop_id=shop.shop_id,
                definition_version=version,
                as_of=day,
                root_category=shop.root_category,
                orders=shop.orders,
                enough_data=shop.enough_data,
                total=shop.total,
                band=shop.band,
                dimensions=shop.dimensions,
                indicators=shop.indicator_dicts(),
                suggestions=shop.suggestions,
                computed_at=now,
            )
        )
    creators_before = _creators_on(session, version, day - timedelta(days=7))
    buyers_before = _buyer_points_on(session, version, day - timedelta(days=7))
    for creator in creators.values():
        session.add(
            CreatorScore(
                creator_id=creator.creator_id,
                definition_version=version,
                as_of=day,
                orders=creator.orders,
                enough_data=creator.enough_data,
                outcome=creator.outcome,
                conduct_deduction=creator.conduct_deduction,
                score=creator.score,
                detail={
                    "bad_orders": creator.bad_orders,
                    "change_7d": _creator_change(creator, creators_before.get(creator.creator_id)),
                    "outcomes": _outcomes_with_change(
                        creator.outcomes, creators_before.get(creator.creator_id)
                    ),
                    "worst_shop": creator.worst_shop,
                    "suggested": creator.suggested,
                    "suggestions": creator.suggestions,
                },
                computed_at=now,
            )
        )
    for buyer in buyers.values():
        before_points = buyers_before.get(buyer.buyer_id)
        for reason in buyer.reasons:
            earlier = None if before_points is None else before_points.get(reason["code"])
            reason["change_7d"] = (
                None if earlier is None else round(float(reason["points"]) - earlier, 2)
            )
        session.add(
            BuyerCredit(
                buyer_id=buyer.buyer_id,
                definition_version=version,
                as_of=day,
                score=buyer.score,
                level=buyer.level,
                reasons=buyer.reasons,
                computed_at=now,
            )
        )
    session.flush()
    summary.shops = len(shops)
    summary.shops_scored = sum(1 for s in shops.values() if s.enough_data)
    summary.bands = dict(sorted(bands.items()))
    summary.creators = len(creators)
    summary.creators_scored = sum(1 for c in creators.values() if c.enough_data)
    summary.buyers = len(buyers)
    summary.movers = sorted(movers, key=lambda m: (-abs(m[2] - m[1]), m[0]))[:5]


_CREATOR_FIELDS = ("score", "outcome", "orders", "bad_orders")


def _creators_on(session: Session, version: str, day: date) -> dict[int, dict[str, float | None]]:
    rows = session.execute(
        select(
            CreatorScore.creator_id,
            CreatorScore.score,
            CreatorScore.outcome,
            CreatorScore.orders,
            CreatorScore.detail,
        ).where(CreatorScore.definition_version == version, CreatorScore.as_of == day)
    )
    return {
        creator_id: {
            "score": score,
            "outcome": outcome,
            "orders": float(orders),
            "bad_orders": (detail or {}).get("bad_orders"),
            **{
                f"rate:{o['reason']}": o.get("rate")
                for o in (detail or {}).get("outcomes", [])
                if isinstance(o, dict) and "reason" in o
            },
        }
        for creator_id, score, outcome, orders, detail in rows
    }


def _outcomes_with_change(
    outcomes: list[dict[str, Any]], before: dict[str, float | None] | None
) -> list[dict[str, Any]]:
    """Each reason's rate now minus 7 days ago (None where either is missing)."""
    out = []
    for item in outcomes:
        earlier = None if before is None else before.get(f"rate:{item['reason']}")
        rate = item.get("rate")
        change = None if rate is None or earlier is None else round(rate - earlier, 6)
        out.append({**item, "change_7d": change})
    return out


def _creator_change(
    creator: scoring.CreatorResult, before: dict[str, float | None] | None
) -> dict[str, float | None]:
    """Each of the creator's figures now minus 7 days ago (None where either is missing)."""
    now: dict[str, float | None] = {
        "score": creator.score,
        "outcome": creator.outcome,
        "orders": float(creator.orders),
        "bad_orders": float(creator.bad_orders),
    }
    out: dict[str, float | None] = {}
    for name in _CREATOR_FIELDS:
        a, b = now[name], None if before is None else before.get(name)
        out[name] = None if a is None or b is None else round(float(a) - float(b), 6)
    return out


def _buyer_points_on(session: Session, version: str, day: date) -> dict[int, dict[str, float]]:
    rows = session.execute(
        select(BuyerCredit.buyer_id, BuyerCredit.reasons).where(
            BuyerCredit.definition_version == version, BuyerCredit.as_of == day
        )
    )
    return {
        buyer_id: {str(r["code"]): float(r["points"]) for r in reasons or []}
        for buyer_id, reasons in rows
    }


def _points_by_shop(session: Session, version: str, day: date) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    rows = session.execute(
        select(ShopScore.shop_id, ShopScore.indicators).where(
            ShopScore.definition_version == version, ShopScore.as_of == day
        )
    )
    for shop_id, indicators in rows:
        out[shop_id] = {i["indicator"]: i["points"] for i in indicators}
    return out


def run_daily(session: Session, clock: Clock, *, root: Path | None = None) -> int:
    """The due step's work: score as of today once per day, under the active definition and
    beside it every version on trial (DuckDB; the facts are exported once). Returns how many
    versions it scored: 0 when today's scores exist or there are no facts yet."""
    version, _definition = definition_of(session, clock, None)
    today = clock.now().date()
    first_order = session.scalar(select(Order.placed_at).order_by(Order.placed_at).limit(1))
    if first_order is None or first_order >= pipeline.instant(today):
        return 0
    due = [
        v
        for v in (version, *trial_versions(session))
        if (last := last_run_day(session, v)) is None or last < today
    ]
    if due:
        # integrity first, so that what it flags today is left out of today's scores
        run_detection(
            session,
            clock,
            as_of=today,
            root=root or get_trust_settings().facts_dir,
            trigger="daily",
        )
    for i, v in enumerate(due):
        run_scores(session, clock, as_of=today, version=v, root=root, export=i == 0)
    return len(due)


# -- serving -----------------------------------------------------------------------------------


def latest_shop_score(
    session: Session, shop_id: int, version: str | None = None
) -> ShopScore | None:
    return session.scalar(
        select(ShopScore)
        .where(
            ShopScore.shop_id == shop_id,
            ShopScore.definition_version == (version or active_version(session)),
        )
        .order_by(ShopScore.as_of.desc())
        .limit(1)
    )


def latest_shop_scores(
    session: Session, shop_ids: Iterable[int], version: str | None = None
) -> dict[int, ShopScore]:
    """``latest_shop_score`` for many shops in one query (lists and feeds)."""
    wanted = sorted(set(shop_ids))
    if not wanted:
        return {}
    chosen = version or active_version(session)
    newest = (
        select(ShopScore.shop_id, func.max(ShopScore.as_of).label("as_of"))
        .where(ShopScore.definition_version == chosen, ShopScore.shop_id.in_(wanted))
        .group_by(ShopScore.shop_id)
        .subquery()
    )
    rows = session.scalars(
        select(ShopScore)
        .join(
            newest,
            (ShopScore.shop_id == newest.c.shop_id) & (ShopScore.as_of == newest.c.as_of),
        )
        .where(ShopScore.definition_version == chosen)
    )
    return {row.shop_id: row for row in rows}


def shop_history(
    session: Session, shop_id: int, *, days: int = 30, version: str | None = None
) -> list[ShopScore]:
    return list(
        session.scalars(
            select(ShopScore)
            .where(
                ShopScore.shop_id == shop_id,
                ShopScore.definition_version == (version or active_version(session)),
            )
            .order_by(ShopScore.as_of.desc())
            .limit(days)
        )
    )


def latest_creator_score(
    session: Session, creator_id: int, version: str | None = None
) -> CreatorScore | None:
    return session.scalar(
        select(CreatorScore)
        .where(
            CreatorScore.creator_id == creator_id,
            CreatorScore.definition_version == (version or active_version(session)),
        )
        .order_by(CreatorScore.as_of.desc())
        .limit(1)
    )


def creator_history(session: Session, creator_id: int, *, days: int = 30) -> list[CreatorScore]:
    return list(
        session.scalars(
            select(CreatorScore)
            .where(
                CreatorScore.creator_id == creator_id,
                CreatorScore.definition_version == active_version(session),
            )
            .order_by(CreatorScore.as_of.desc())
            .limit(days)
        )
    )


def buyer_credit_history(session: Session, user: User, *, days: int = 30) -> list[BuyerCredit]:
    """The buyer's own credit day by day, the newest first (only the buyer sees it)."""
    return list(
        session.scalars(
            select(BuyerCredit)
            .where(
                BuyerCredit.buyer_id == user.id,
                BuyerCredit.definition_version == active_version(session),
            )
            .order_by(BuyerCredit.as_of.desc())
            .limit(days)
        )
    )


def buyer_credit(session: Session, clock: Clock, user: User) -> dict[str, Any]:
    """The buyer's own credit and why; a buyer with no scored history gets the starting
    credit from account age alone."""
    row = session.scalar(
        select(BuyerCredit)
        .where(
            BuyerCredit.buyer_id == user.id,
            BuyerCredit.definition_version == active_version(session),
        )
        .order_by(BuyerCredit.as_of.desc())
        .limit(1)
    )
    if row is not None:
        return {
            "as_of": row.as_of,
            "score": row.score,
            "level": row.level,
            "reasons": row.reasons,
            "definition_version": row.definition_version,
        }
    version, definition = definition_of(session, clock, None)
    today = clock.now().date()
    result = scoring.buyer_result(
        user.id, {"registered_at": user.created_at}, pipeline.instant(today), definition.buyer
    )
    return {
        "as_of": None,
        "score": result.score,
        "level": result.level,
        "reasons": result.reasons,
        "definition_version": version,
    }


def summary_dict(summary: RunSummary) -> dict[str, Any]:
    return asdict(summary)
