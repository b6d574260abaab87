"""Stored scores made by hand (the rows a scoring run writes), for tests that read them: the
comparison of two definition versions and the pages that show it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from shijing.core.clock import ManualClock
from shijing.trust import versions
from shijing.trust.definition import ScoreDefinition
from shijing.trust.models import BuyerCredit, CreatorScore, ScoreRun, ShopScore

DAY = date(2026, 11, 20)


def definition_body(**shop: Any) -> dict[str, Any]:
    body = ScoreDefinition().model_dump(mode="json")
    body["shop"].update(shop)
    return body


def stored_run(session: Session, clock: ManualClock, version: str, day: date = DAY) -> None:
    session.add(
        ScoreRun(
            definition_version=version,
            as_of=day,
            engine="duckdb",
            shops=0,
            creators=0,
            buyers=0,
            seconds=0.1,
            computed_at=clock.now(),
        )
    )


def stored_shop_score(
    session: Session,
    clock: ManualClock,
    version: str,
    shop_id: int,
    total: float | None,
    band: str | None,
    *,
    product: float = 90.0,
    day: date = DAY,
) -> None:
    """``total`` None: not enough data."""
    session.add(
        ShopScore(
            shop_id=shop_id,
            definition_version=version,
            as_of=day,
            root_category="apparel",
            orders=100 if total is not None else 5,
            enough_data=total is not None,
            total=total,
            band=band,
            dimensions={"product": product, "logistics": 90.0, "service": 90.0},
            indicators=[],
            suggestions=[],
            computed_at=clock.now(),
        )
    )


def two_versions_scored(
    session: Session,
    clock: ManualClock,
    *,
    shops: Sequence[int],
    creators: Sequence[int],
    buyers: Sequence[int],
) -> None:
    """v1 (active) and v2 scored on DAY, for five shops, two creators and two buyers:

    shops, v1 → v2: 95 excellent → 88 good (−7; product 90 → 80) · 85 good → 86 good (+1) ·
    70 fair → 82 good (+12) · not enough data → 60 poor (newly scored) · 50 poor → no v2 row
    (no longer scored); creators 4.5 → 4.2 and not shown → 3.9; buyers 72 good → 86
    excellent and 55 fair → 55 fair."""
    versions.ensure_default_definition(session, clock)
    versions.add_definition(
        session, clock, version="v2", body=definition_body(prior_orders=80), note="v2 test"
    )
    for version in ("v1", "v2"):
        stored_run(session, clock, version)
    one, two, three, four, five = shops
    for shop_id, total, band in (
        (one, 95.0, "excellent"),
        (two, 85.0, "good"),
        (three, 70.0, "fair"),
    ):
        stored_shop_score(session, clock, "v1", shop_id, total, band)
    stored_shop_score(session, clock, "v1", four, None, None)
    stored_shop_score(session, clock, "v1", five, 50.0, "poor")
    stored_shop_score(session, clock, "v2", one, 88.0, "good", product=80.0)
    stored_shop_score(session, clock, "v2", two, 86.0, "good")
    stored_shop_score(session, clock, "v2", three, 82.0, "good")
    stored_shop_score(session, clock, "v2", four, 60.0, "poor")
    first, second = creators
    for version, creator_id, enough, score in (
        ("v1", first, True, 4.5),
        ("v2", first, True, 4.2),
        ("v1", second, False, None),
        ("v2", second, True, 3.9),
    ):
        session.add(
            CreatorScore(
                creator_id=creator_id,
                definition_version=version,
                as_of=DAY,
                orders=30,
                enough_data=enough,
                outcome=None,
                conduct_deduction=0.0,
                score=score,
                detail={},
                computed_at=clock.now(),
            )
        )
    good, fair = buyers
    for version, buyer_id, score, level in (
        ("v1", good, 72.0, "good"),
        ("v2", good, 86.0, "excellent"),
        ("v1", fair, 55.0, "fair"),
        ("v2", fair, 55.0, "fair"),
    ):
        session.add(
            BuyerCredit(
                buyer_id=buyer_id,
                definition_version=version,
                as_of=DAY,
                score=score,
                level=level,
                reasons=[],
                computed_at=clock.now(),
            )
        )
    session.flush()
