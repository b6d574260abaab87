"""Stricter checks for the Trust Purchase tests: events delivered with no subscriber failing,
and "nothing was written" snapshots of the tables a refused request could touch."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.payments.models import Refund
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.outbox import OutboxEvent
from shijing.guarantees.models import Certificate, Claim, ClaimEvent, PhoneInspection
from shijing.ledger.models import LedgerTransaction
from tests.guarantees.builders import dispatch


def failed_events(session: Session) -> list[str]:
    rows = session.scalars(select(OutboxEvent).where(OutboxEvent.last_error.is_not(None)))
    return [f"{r.name}: {r.last_error}" for r in rows]


def deliver(session: Session, db: Database, clock: ManualClock) -> None:
    """Commit, deliver every pending event, and fail if any subscriber raised."""
    dispatch(session, db, clock)
    assert failed_events(session) == []


def counts(session: Session) -> dict[str, int]:
    """Row counts of what a claim or programme request writes (for "nothing written")."""
    tables = {
        "claims": Claim,
        "claim_events": ClaimEvent,
        "refunds": Refund,
        "ledger": LedgerTransaction,
        "outbox": OutboxEvent,
        "certificates": Certificate,
        "inspections": PhoneInspection,
    }
    return {
        name: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for name, model in tables.items()
    }
