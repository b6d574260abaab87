"""Trust Purchase in a seeded marketplace: after the history is played, the scores are computed,
the guarantee fund is capitalised, every shop pays in its deposit and the shops that qualify join
the programme — so the demo opens with badges earned by the same rules as in production."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from shijing.accounts.models import User
from shijing.accounts.service import Principal, roles_of
from shijing.commerce.shops.models import Shop, ShopStatus
from shijing.core.clock import Clock
from shijing.core.db import Database
from shijing.core.errors import DomainError
from shijing.guarantees import deposits, enrolment, funds
from shijing.integrity.runs import run_detection
from shijing.trust.service import run_scores
from shijing.trust.settings import get_trust_settings

FUND_CAPITAL_FEN = 5_000_000_00  # ¥5 million
DEPOSIT_HEADROOM = 1.5  # shops pay in half as much again as their category's minimum


@dataclass
class Enrolled:
    badges: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # shop id -> the conditions that failed


def enrol_shops(db: Database, clock: Clock) -> Enrolled:
    """Score yesterday, fund the programme, and let every active shop apply."""
    yesterday = (clock.now() - timedelta(days=1)).date()
    with db.transaction() as session:
        # integrity first, as the daily step does: what it flags is left out of the scores
        run_detection(session, clock, as_of=yesterday, root=get_trust_settings().facts_dir)
        run_scores(session, clock, as_of=yesterday)
    outcome = Enrolled()
    with db.transaction() as session:
        funds.fund_platform(session, clock, amount_fen=FUND_CAPITAL_FEN, key="demo:capital")
        shops = list(
            session.scalars(
                select(Shop).where(Shop.status == ShopStatus.ACTIVE.value).order_by(Shop.id)
            )
        )
        for shop in shops:
            user = session.get(User, shop.owner_user_id)
            assert user is not None
            owner = Principal(user=user, roles=roles_of(session, user.id))
            minimum = enrolment.deposit_minimum(session, clock, shop.id)
            deposits.top_up(
                session,
                clock,
                owner,
                shop.id,
                amount_fen=int(minimum * DEPOSIT_HEADROOM),
                idempotency_key="demo-deposit",
            )
            try:
                with session.begin_nested():
                    enrolment.apply(session, clock, owner, shop.id, accept_terms=True)
            except DomainError as refused:
                outcome.refused[shop.id] = refused.message
            else:
                outcome.badges.append(shop.id)
    return outcome
