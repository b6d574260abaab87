"""A flag on a buyer holds their Trust Purchase payouts for review (held, not refused); lifting
the last flag releases them and they are paid exactly once (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.outbox import OutboxEvent
from shijing.guarantees import events as guarantee_events
from shijing.guarantees import funds
from shijing.integrity import flags
from shijing.ledger import service as ledger
from tests.guarantees.builders import (
    buyer,
    claims_of,
    covered_order,
    dispatch,
    request_return,
    send_back,
    trusted_shop,
)


def test_a_flagged_buyers_postage_is_held_then_paid_once_the_flag_is_lifted(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    who = buyer(session, clock, credit=50)
    order = covered_order(session, db, clock, shop=shop, who=who)
    flag = flags.raise_flag(
        session,
        clock,
        subject_kind="buyer",
        subject_id=who.id,
        reason="member of a brushing ring",
        source="integrity",
        actor_id=None,
    )
    sale = request_return(session, clock, order)
    send_back(session, db, clock, sale)

    [claim] = claims_of(session, order.id)
    assert (claim.code, claim.status, claim.paid_fen) == ("return_postage", "held", 0)
    assert claim.pay_due_at is None  # the payout step leaves it alone
    held = session.scalars(
        select(OutboxEvent).where(OutboxEvent.name == guarantee_events.GUARANTEE_CLAIM_HELD)
    ).one()
    assert held.payload["flag_ids"] == [flag.id]
    assert funds.balance(session, funds.buyer_payable(who.id)) == 0

    flags.lift(session, clock, flag_id=flag.id, reason="a real buyer", actor_id=None)
    dispatch(session, db, clock)
    session.refresh(claim)
    assert (claim.status, claim.paid_fen) == ("paid", 1000)
    dispatch(session, db, clock)  # the events delivered again pay nothing twice
    session.refresh(claim)
    assert claim.paid_fen == 1000
    assert ledger.check(session).ok


def test_another_flag_still_in_force_keeps_the_claim_held(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    who = buyer(session, clock, credit=50)
    order = covered_order(session, db, clock, shop=shop, who=who)
    on_buyer = flags.raise_flag(
        session,
        clock,
        subject_kind="buyer",
        subject_id=who.id,
        reason="ring",
        source="integrity",
        actor_id=None,
    )
    flags.raise_flag(
        session,
        clock,
        subject_kind="order",
        subject_id=order.id,
        reason="remote address",
        source="integrity",
        actor_id=None,
    )
    sale = request_return(session, clock, order)
    send_back(session, db, clock, sale)
    flags.lift(session, clock, flag_id=on_buyer.id, reason="cleared", actor_id=None)
    dispatch(session, db, clock)
    [claim] = claims_of(session, order.id)
    session.refresh(claim)
    assert claim.status == "held"
