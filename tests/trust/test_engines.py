"""The same fixture gives identical scores on DuckDB and on Spark (local mode)."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest

from shijing.core.errors import InvalidInput
from shijing.facts.engines import FactsEngine
from shijing.trust import pipeline, scoring
from shijing.trust.definition import ScoreDefinition
from tests.trust.builders import AS_OF, T0, FactSet


def fixture() -> FactSet:
    fs = FactSet()
    for shop_id, (n, late_every, bad_every) in enumerate(
        [(40, 10, 7), (35, 5, 0), (60, 0, 4), (12, 3, 2), (31, 4, 9)], start=1
    ):
        category = "apparel.womens" if shop_id != 5 else "fresh"
        for i in range(n):
            order = fs.order(
                shop_id=shop_id,
                category=category,
                placed_at=T0 - timedelta(days=i % 50, hours=i),
                pickup_hours=60 if late_every and i % late_every == 0 else 24,
                creator_id=100 + shop_id % 2,
                buyer_id=1000 + i % 6,
                total_fen=5_000 + 100 * i,
                cancelled_by="shop" if i == 3 else None,
            )
            if bad_every and i % bad_every == 1:
                fs.review(order, 1)
                fs.aftersale(order, reason="quality", response_hours=i % 5 + 1)
            elif i % 3 == 0:
                fs.review(order, 4)
            if i == 5:
                fs.complaint(order)
            if i == 6:
                fs.aftersale(order, reason="damaged_in_transit", fault="carrier")
            if i == 7:
                fs.aftersale(order, reason="quality", status="closed", fault="buyer")
            if i == 9:
                fs.aftersale(order, reason="size", status="rejected")
            if i == 8 and shop_id == 2:
                fs.flag("order", order)
    return fs


def run(engine: FactsEngine, root: Path) -> tuple[list, list, list]:  # type: ignore[type-arg]
    d = ScoreDefinition.model_validate({"creator": {"min_orders": 5}})
    facts = pipeline.load_facts(engine, root, AS_OF, d.longest_window_days)
    shops = scoring.shop_results(
        engine.collect(pipeline.shop_indicator_values(facts, AS_OF, d.shop)), d.shop
    )
    creators = scoring.creator_results(
        engine.collect(pipeline.creator_outcomes(facts, AS_OF, d.creator)), d.creator
    )
    buyers = engine.collect(pipeline.buyer_aggregates(facts, AS_OF, d.buyer))
    for b in buyers:
        b["registered_at"] = b["registered_at"].replace(tzinfo=UTC)
    credit = scoring.buyer_results(buyers, pipeline.instant(AS_OF), d.buyer)
    return (
        [
            (
                s.shop_id,
                s.total,
                s.band,
                s.suggestions,
                [(i.indicator, i.count, i.base, i.better_than, i.points) for i in s.indicators],
            )
            for s in sorted(shops.values(), key=lambda s: s.shop_id)
        ],
        [
            (c.creator_id, c.orders, c.bad_orders, c.score, round(c.score or 0, 1))
            for c in sorted(creators.values(), key=lambda c: c.creator_id)
        ],
        sorted(
            (
                b["buyer_id"],
                b["paid_orders"],
                b["completed"],
                b["returns"],
                b["failed_payments"],
                b["buyer_fault"],
                b["rejected"],
                b["flags"],
                round(b["expected_returns"], 9),
                credit[b["buyer_id"]].score,
                credit[b["buyer_id"]].level,
            )
            for b in buyers
        ),
    )


@pytest.mark.spark
def test_duckdb_and_spark_agree(duck: FactsEngine, spark: FactsEngine, tmp_path: Path) -> None:
    fixture().write(tmp_path)
    on_duck = run(duck, tmp_path)
    on_spark = run(spark, tmp_path)
    assert on_duck[0] == on_spark[0]
    assert [c[:3] + c[4:] for c in on_duck[1]] == [c[:3] + c[4:] for c in on_spark[1]]
    for a, b in zip(on_duck[1], on_spark[1], strict=True):
        assert a[3] == pytest.approx(b[3], abs=1e-9)
    assert on_duck[2] == on_spark[2]
    assert any(b[5] for b in on_duck[2])  # a buyer-fault ruling counted
    assert any(b[6] for b in on_duck[2])  # and a rejected after-sale
    assert any(s[1] is not None for s in on_duck[0])
    assert any(s[1] is None for s in on_duck[0])  # shop 4: not enough data


@pytest.mark.spark
def test_a_table_with_no_partitions_is_empty_on_both_engines(
    duck: FactsEngine, spark: FactsEngine, tmp_path: Path
) -> None:
    """A folder without flags (no flag ever raised, or a `sim bulk` run) scores on Spark too."""
    fs = fixture()
    fs.flags.clear()
    fs.write(tmp_path)
    assert not (tmp_path / "flags").exists()
    on_duck, on_spark = run(duck, tmp_path), run(spark, tmp_path)
    assert on_duck[0] == on_spark[0]
    assert on_duck[2] == on_spark[2]


def test_unknown_engine_names_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        FactsEngine("oracle")
    assert caught.value.field == "engine"


def test_flag_kinds_lists_what_was_flagged_before_the_day(tmp_path: Path) -> None:
    """An exclusion whose kind nobody flagged is left out of the query; the kinds are read from
    the flags raised before the as-of day only."""
    assert pipeline.flag_kinds(tmp_path, AS_OF) == frozenset()
    fixture().write(tmp_path)  # flags orders (shop 2's order 8), before AS_OF
    assert pipeline.flag_kinds(tmp_path, AS_OF) == {"order"}
    assert pipeline.flag_kinds(tmp_path, T0.date() - timedelta(days=60)) == frozenset()
