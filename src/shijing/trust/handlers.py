"""The daily scoring due step (embedded default): T+1 scores once per day."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.deadlines import due
from shijing.trust import service
from shijing.trust.settings import get_trust_settings


@due.register("trust.daily_scores")
def daily_scores(session: Session, clock: Clock) -> int:
    """Score as of today when no run for today exists yet (the last run's date is the state)."""
    if not get_trust_settings().daily_enabled:
        return 0
    return service.run_daily(session, clock)
