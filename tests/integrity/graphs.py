"""Small generated graphs for the integrity tests (the bench's generator, at test scale)."""

from __future__ import annotations

import sys
from pathlib import Path

_BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(_BENCH) not in sys.path:
    sys.path.insert(0, str(_BENCH))

from brushing_graph import BrushingGraph, GraphConfig, RingSpec, generate  # noqa: E402

SMALL = GraphConfig(
    n_buyers=4_000,
    n_shops=300,
    rings=(RingSpec(40, 30, "burst", "fixed"), RingSpec(30, 25, "thin", "cheap")),
)


def small_graph(seed: int = 5, density: float = 0.3, camouflage: str = "biased") -> BrushingGraph:
    return generate(seed, density, camouflage, SMALL)


__all__ = ["SMALL", "BrushingGraph", "small_graph"]
