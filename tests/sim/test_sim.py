"""The simulator: determinism, invariants, ground truth, the live-room hook, bulk Parquet and the
CLI's refusals. Runs at the tiny scale: seconds, not minutes."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from shijing.cli import app
from shijing.core.db import Database
from shijing.facts.registry import registered
from shijing.models import metadata
from shijing.sim.bulk import generate
from shijing.sim.config import SimConfig, get_scale
from shijing.sim.live import LiveRoomActor
from shijing.sim.runner import run_simulation

pytestmark = pytest.mark.committing


def _empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def _config(seed: int, days: int = 12, **kw: object) -> SimConfig:
    return SimConfig(get_scale("tiny"), days, seed).with_(**kw)


def test_same_seed_same_summary_other_seed_other(
    committing_db: Database, engine: Engine, tmp_path: Path
) -> None:
    first = run_simulation(committing_db, _config(7), out=tmp_path / "a")
    _empty(engine)
    again = run_simulation(committing_db, _config(7))
    _empty(engine)
    other = run_simulation(committing_db, _config(8))
    assert first.summary.orders > 20
    assert asdict(first.summary) == asdict(again.summary)
    assert asdict(first.summary) != asdict(other.summary)
    for result in (first, again, other):
        assert result.invariants.ok, result.invariants.violations


def test_run_writes_ground_truth_and_keeps_rooms_on_air(
    committing_db: Database, tmp_path: Path
) -> None:
    result = run_simulation(committing_db, _config(3, days=8, live_at_end=2), out=tmp_path)
    assert result.invariants.ok, result.invariants.violations
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    shops = truth["shops"]
    assert {s["archetype"] for s in shops} >= {"plus_size", "jewellery", "used_phone", "seafood"}
    assert all(0 <= s["quality"] <= 1 for s in shops)
    assert any(s["dishonest"] for s in shops)
    assert truth["brushing_rings"]
    assert truth["brushing_rings"][0]["member_user_ids"]
    assert any(b["kind"] == "fake" for b in truth["fake_or_abusive_buyers"])
    assert any(o["brushing"] for o in truth["labelled_orders"])
    assert (tmp_path / "labels" / "shops.parquet").exists()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["invariants"]["ok"] is True
    assert result.summary.live_sessions > 0
    assert result.summary.reviews > 0

    # the live-room hook drives a room left on air
    sim = result.simulation
    assert sim.world is not None
    room = sim.rooms[-1]
    said: list[tuple[int, str]] = []
    fans = [b.user_id for b in sim.world.population.buyers if b.kind == "normal"]
    actor = LiveRoomActor(
        committing_db, room.live_id, viewer_user_ids=fans, chat=lambda u, t: said.append((u, t))
    )
    now = sim.clock.now()
    totals: dict[str, int] = {}
    for k in range(30):
        for key, n in actor.tick(now + timedelta(minutes=k)).items():
            totals[key] = totals.get(key, 0) + n
    assert totals["joined"] > 0
    assert totals["pinned"] > 0
    assert len(said) == totals["chat"]


def test_bulk_writes_the_fact_schemas_by_day(tmp_path: Path) -> None:
    result = generate(tmp_path, orders=30_000, seed=1, days=10, chunk=7_000)
    assert result.orders == 30_000
    for table, schema in ((t.name, t.schema) for t in registered().values()):
        data = ds.dataset(tmp_path / table, format="parquet")
        assert data.schema.equals(schema), table
        assert all(p.parent.name.startswith("day=") for p in (tmp_path / table).rglob("*.parquet"))
    orders = ds.dataset(tmp_path / "orders", format="parquet").to_table()
    assert orders.num_rows == 30_000
    assert len(set(orders.column("order_id").to_pylist())) == 30_000
    assert (tmp_path / "labels" / "brushing_orders.parquet").exists()
    # what the scoring pipeline excludes or counts must be there to exclude or count: flagged
    # brushing orders, shop cancellations, after-sales ruled the carrier's fault
    brushing = set(
        ds.dataset(tmp_path / "labels" / "brushing_orders.parquet")
        .to_table()["order_id"]
        .to_pylist()
    )
    flags = ds.dataset(tmp_path / "flags", format="parquet").to_table()
    assert result.flags == flags.num_rows > 0
    assert set(flags.column("subject_id").to_pylist()) <= brushing
    assert "shop" in orders.column("cancelled_by").to_pylist()
    faults = ds.dataset(tmp_path / "aftersales", format="parquet").to_table().column("fault")
    assert {"shop", "buyer", "carrier"} <= set(faults.to_pylist())
    again = tmp_path / "again"
    generate(again, orders=30_000, seed=1, days=10, chunk=7_000)
    assert ds.dataset(again / "orders", format="parquet").to_table().equals(orders)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["sim", "run", "--scale", "huge"], "--scale"),
        (["sim", "run", "--days", "0"], "--days"),
        (["sim", "run", "--days", "-3"], "--days"),
        (["sim", "bulk", "--orders", "0", "--out", "x"], "--orders"),
    ],
)
def test_cli_refuses_bad_input(args: list[str], option: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert option in result.output


@pytest.mark.parametrize("command", ["run", "bulk"])
def test_cli_refuses_non_empty_out_without_force(command: str, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(app, ["sim", command, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--out" in result.output
    assert (tmp_path / "keep.txt").read_text() == "mine"
