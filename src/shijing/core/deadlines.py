"""Deadlines are data: each domain stores due times on its rows and registers one step that
processes whatever is due. ``run_due(now)`` runs them all; the server calls it periodically, the
simulator after each tick, tests explicitly. No timer threads per object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.db import Database

log = structlog.get_logger(__name__)

DueStep = Callable[[Session, Clock], int]


@dataclass
class DueRegistry:
    steps: dict[str, DueStep] = field(default_factory=dict)

    def register(self, name: str) -> Callable[[DueStep], DueStep]:
        def add(step: DueStep) -> DueStep:
            self.steps[name] = step
            return step

        return add


due = DueRegistry()


def run_due(db: Database, clock: Clock, registry: DueRegistry | None = None) -> dict[str, int]:
    """Run every registered step, each in its own transaction; returns rows handled per step."""
    handled: dict[str, int] = {}
    for name, step in (registry or due).steps.items():
        try:
            with db.transaction() as session:
                handled[name] = step(session, clock)
        except Exception:
            log.exception("deadlines.step_failed", step=name)
            handled[name] = -1
    return handled
