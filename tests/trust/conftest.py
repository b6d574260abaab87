"""Engines shared by the trust tests: one DuckDB per test, one Spark session per worker."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from shijing.facts.engines import FactsEngine, stop_spark


@pytest.fixture
def duck() -> Iterator[FactsEngine]:
    engine = FactsEngine("duckdb")
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[FactsEngine]:
    """Starting Spark takes seconds: one local session for the whole worker."""
    logging.getLogger("py4j").setLevel(logging.ERROR)
    yield FactsEngine("spark", spark_master="local[2]")
    stop_spark()
