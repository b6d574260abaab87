"""Engines shared by the trust tests: one DuckDB per test, one Spark session per worker."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from shijing.trust.engines import ScoringEngine, stop_spark


@pytest.fixture
def duck() -> Iterator[ScoringEngine]:
    engine = ScoringEngine("duckdb")
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[ScoringEngine]:
    """Starting Spark takes seconds: one local session for the whole worker."""
    logging.getLogger("py4j").setLevel(logging.ERROR)
    yield ScoringEngine("spark", spark_master="local[2]")
    stop_spark()
