"""The detectors read the facts through Ibis: DuckDB and Spark give the same findings on the same
facts (SQLite and PostgreSQL exports of one planted market)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from shijing.core.clock import ManualClock
from shijing.facts.engines import FactsEngine
from shijing.facts.export import export_facts
from shijing.integrity.definition import IntegrityDefinition
from shijing.integrity.findings import Findings
from shijing.integrity.runs import find
from tests.integrity.markets import plant_market


def _summary(found: Findings) -> tuple[object, ...]:
    flags = sorted((f.subject_kind, f.subject_id, f.detector) for f in found.flags)
    blocks = sorted(
        (b.detector, tuple(b.buyer_ids), tuple(b.shop_ids), tuple(b.order_ids), b.reason)
        for b in found.blocks
    )
    return tuple(flags), tuple(blocks)


@pytest.mark.spark
def test_duckdb_and_spark_find_the_same(
    session: Session, clock: ManualClock, tmp_path: Path, duck: FactsEngine, spark: FactsEngine
) -> None:
    market = plant_market(session, clock)
    export_facts(session, clock, tmp_path)
    day = clock.now().date()
    definition = IntegrityDefinition()
    on_duck = find(duck, tmp_path, day, definition, lambda _step: None)
    on_spark = find(spark, tmp_path, day, definition, lambda _step: None)
    assert _summary(on_duck) == _summary(on_spark)
    flagged = {f.subject_id for f in on_duck.flags if f.subject_kind == "order"}
    assert {o.id for o in market["ring_orders"]} <= flagged  # and they found the ring
