"""Small server-side SVG charts for the consoles: a line over days and bars per label. No chart
library and no JavaScript: the page ships the coordinates, the template draws ``<polyline>`` /
``<rect>`` elements (see ``templates/_chart.html``), and each point carries a title for hover and
screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 320
HEIGHT = 90
PAD = 6


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # "2026-11-28 92.4"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Coordinates in a ``WIDTH`` × ``HEIGHT`` view box; empty when there is too little data."""

    points: list[Point] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    low: str | None = None
    high: str | None = None
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)

    @property
    def empty(self) -> bool:
        return len(self.points) < 2 and not self.bars


def line(
    series: Sequence[tuple[str, float]],
    *,
    floor: float | None = None,
    ceiling: float | None = None,
    digits: int = 1,
) -> Chart:
    """A line through ``(label, value)`` pairs, oldest first. ``floor``/``ceiling`` fix the
    scale (a 0–100 score); otherwise it spans the values."""
    if len(series) < 2:
        return Chart()
    values = [v for _, v in series]
    low = floor if floor is not None else min(values)
    high = ceiling if ceiling is not None else max(values)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / (len(series) - 1)
    height = HEIGHT - 2 * PAD
    points = [
        Point(
            x=round(PAD + i * step, 1),
            y=round(HEIGHT - PAD - (min(high, max(low, v)) - low) / span * height, 1),
            label=f"{label} {v:.{digits}f}",
        )
        for i, (label, v) in enumerate(series)
    ]
    return Chart(points=points, low=f"{min(values):.{digits}f}", high=f"{max(values):.{digits}f}")


def bars(series: Sequence[tuple[str, float]], *, digits: int = 0) -> Chart:
    """One bar per ``(label, value)`` pair (values ≥ 0), scaled to the largest."""
    if not series:
        return Chart()
    top = max(v for _, v in series) or 1.0
    slot = (WIDTH - 2 * PAD) / len(series)
    height = HEIGHT - 2 * PAD
    drawn = []
    for i, (label, value) in enumerate(series):
        h = round(max(0.0, value) / top * height, 1)
        drawn.append(
            Bar(
                x=round(PAD + i * slot + slot * 0.1, 1),
                y=round(HEIGHT - PAD - h, 1),
                width=round(slot * 0.8, 1),
                height=h,
                label=f"{label} {value:.{digits}f}",
            )
        )
    values = [v for _, v in series]
    return Chart(bars=drawn, low=f"{min(values):.{digits}f}", high=f"{max(values):.{digits}f}")
