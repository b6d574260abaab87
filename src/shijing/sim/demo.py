"""Seeding the demo marketplace: a quarter of simulated history at the small scale, ending with a
few live rooms on air "now", and one login of each kind to print."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shijing.accounts.models import User
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.sim.config import SimConfig, get_scale
from shijing.sim.engine import Progress
from shijing.sim.runner import RunResult, run_simulation
from shijing.sim.trust_purchase import Enrolled, enrol_shops
from shijing.sim.world import SIM_PASSWORD

DEMO_DAYS = 90
DEMO_LIVE_ROOMS = 3


@dataclass
class DemoSeed:
    logins: dict[str, tuple[str, str]]  # role -> (email, password)
    result: RunResult
    seconds: float
    live_session_ids: list[int]
    enrolled: Enrolled


def seed_demo(
    db: Database,
    *,
    seed: int = 7,
    days: int = DEMO_DAYS,
    scale: str = "small",
    progress: Progress | None = None,
) -> DemoSeed:
    """Play ``days`` of history ending at the current hour, leaving rooms live at the end."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = (now - timedelta(days=days)).replace(hour=0)
    config = SimConfig(get_scale(scale), days, seed, start=start, live_at_end=DEMO_LIVE_ROOMS)
    result = run_simulation(db, config, progress=progress)
    world = result.simulation.world
    assert world is not None
    logins = {role: (email, SIM_PASSWORD) for role, email in sorted(world.emails.items())}
    live = [r.live_id for r in result.simulation.rooms if r.live_id][-DEMO_LIVE_ROOMS:]
    enrolled = enrol_shops(db, ManualClock(now))
    if enrolled.badges:  # the merchant login shows a console with the Trust Purchase badge
        logins["merchant"] = (_owner_email(db, enrolled.badges[0]), SIM_PASSWORD)
    return DemoSeed(logins, result, time.perf_counter() - started, live, enrolled)


def _owner_email(db: Database, shop_id: int) -> str:
    with db.sessions() as session:
        email = session.scalar(
            select(User.email).join(Shop, Shop.owner_user_id == User.id).where(Shop.id == shop_id)
        )
    assert email is not None
    return email
