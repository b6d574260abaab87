"""Scales of a simulated marketplace: how many agents of each kind, and how time is stepped."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime


@dataclass(frozen=True)
class Scale:
    name: str
    buyers: int
    honest_shops: int
    counterfeit_shops: int
    creators: int  # besides the archetypes, who each bring a creator or a shop
    brushing_rings: int
    ring_size: int
    return_abusers: int
    products_per_shop: int
    daily_buy_rate: float  # chance an active buyer buys from the feed on a given day
    live_sessions_per_week: float  # per creator
    tick_hours: int = 2
    showcase_items: int = 5
    max_viewers: int = 40  # simulated viewers of one session who join through the services
    # The attackers' ways of hiding (sim/agents.py): rings take their shapes in turn from
    # ``ring_shapes``; a multi-shop ring brushes ``ring_targets`` shops; each ring also orders
    # through ``hijacked_per_ring`` real buyers' aged accounts.
    ring_shapes: tuple[str, ...] = ("multi_shop", "spread_thin", "burst")
    ring_targets: int = 3
    hijacked_per_ring: int = 2
    # Review farms: fresh accounts opened for one burst of five-star near-duplicate reviews.
    review_bursts: int = 1
    review_burst_size: int = 6
    # The innocent: honest shops with a block of loyal fans who come back again and again.
    loyal_shops: int = 2
    loyal_fans: int = 12  # per loyal shop


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        "tiny",
        40,
        4,
        1,
        3,
        2,
        3,
        2,
        2,
        0.05,
        1.5,
        tick_hours=6,
        max_viewers=8,
        ring_shapes=("multi_shop", "spread_thin"),
        ring_targets=2,
        hijacked_per_ring=1,
        review_burst_size=4,
        loyal_shops=1,
        loyal_fans=6,
    ),
    "small": Scale(
        "small",
        300,
        20,
        3,
        14,
        3,
        5,
        8,
        3,
        0.02,
        1.2,
        tick_hours=6,
        showcase_items=4,
        max_viewers=12,
        ring_targets=2,
        hijacked_per_ring=1,
        review_burst_size=5,
        loyal_shops=2,
        loyal_fans=10,
    ),
    "medium": Scale(
        "medium",
        2_000,
        80,
        8,
        60,
        4,
        8,
        40,
        4,
        0.035,
        3.0,
        tick_hours=2,
        review_bursts=2,
        review_burst_size=8,
        loyal_shops=4,
        loyal_fans=20,
    ),
    "large": Scale(
        "large",
        10_000,
        300,
        25,
        200,
        10,
        10,
        200,
        5,
        0.035,
        3.0,
        tick_hours=1,
        ring_targets=4,
        hijacked_per_ring=3,
        review_bursts=5,
        review_burst_size=10,
        loyal_shops=10,
        loyal_fans=30,
    ),
}

# Where simulated history starts when no start is given: a fixed instant, so a seed is a run.
DEFAULT_START = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)


def get_scale(name: str) -> Scale:
    """The named scale, or ValueError naming the choices."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None


@dataclass(frozen=True)
class SimConfig:
    scale: Scale
    days: int
    seed: int
    start: datetime = DEFAULT_START
    # Sessions left on air at the end of the run (the demo wants rooms live "now").
    live_at_end: int = 0

    def __post_init__(self) -> None:
        if self.days <= 0:
            raise ValueError("days must be a positive number of days")
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")

    def with_(self, **changes: object) -> SimConfig:
        return replace(self, **changes)  # type: ignore[arg-type]
