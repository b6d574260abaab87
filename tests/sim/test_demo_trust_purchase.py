"""The demo opens with Trust Purchase in place: scores computed, the fund capitalised, deposits
paid in, badges earned under the real rules — and the merchant login printed is a badge shop's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shijing.accounts.models import User
from shijing.commerce.shops.models import Shop
from shijing.core.db import Database
from shijing.guarantees import enrolment, funds
from shijing.ledger import service as ledger
from shijing.sim.demo import seed_demo
from shijing.sim.trust_purchase import FUND_CAPITAL_FEN

pytestmark = pytest.mark.committing


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # a 30-second seed: once is enough
def test_the_demo_seeds_badges_and_prints_a_badge_merchant(committing_db: Database) -> None:
    seeded = seed_demo(committing_db, scale="small", days=90)
    assert seeded.enrolled.badges, seeded.enrolled.refused
    # Shops that did not qualify were told which condition failed.
    assert all("does not qualify" in why for why in seeded.enrolled.refused.values())
    email, _password = seeded.logins["merchant"]
    with committing_db.sessions() as session:
        owner = session.scalar(select(User).where(User.email == email))
        assert owner is not None
        shop_ids = set(session.scalars(select(Shop.id).where(Shop.owner_user_id == owner.id)))
        assert shop_ids & set(seeded.enrolled.badges)
        assert all(enrolment.holds_badge(session, s) for s in seeded.enrolled.badges)
        assert funds.balance(session, funds.FUND) == FUND_CAPITAL_FEN
        assert ledger.check(session).ok
    assert seeded.result.summary.orders > 500
