"""`shijing integrity detect` on a plain CSV of orders and `shijing integrity run` on the
platform's database: results written, bad input named, nothing written on failure."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shijing.cli import app
from shijing.core.settings import get_settings
from shijing.facts.settings import get_facts_settings
from shijing.integrity.models import IntegrityRun
from tests.integrity.graphs import small_graph

runner = CliRunner()


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("SHIJING_DATABASE_URL", url)
    monkeypatch.setenv("SHIJING_FACTS_DIR", str(tmp_path / "facts"))
    get_settings.cache_clear()
    get_facts_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    get_facts_settings.cache_clear()


def test_detect_writes_a_verdict_for_every_buyer_shop_and_edge(tmp_path: Path) -> None:
    g = small_graph(seed=5, density=0.3, camouflage="none")
    edges, out = tmp_path / "orders.csv", tmp_path / "flags.csv"
    with edges.open("w") as f:
        f.write("edge_id,buyer_id,shop_id,ts,amount_fen\n")
        for row in zip(g.edge_id, g.buyer_id, g.shop_id, g.ts, g.amount_fen, strict=True):
            f.write(",".join(str(x) for x in row) + "\n")
    result = runner.invoke(app, ["integrity", "detect", "--edges", str(edges), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert set(rows[0]) == {"kind", "id", "flagged", "score"}
    kinds = {r["kind"] for r in rows}
    assert kinds == {"buyer", "shop", "edge"}
    assert sum(1 for r in rows if r["kind"] == "edge") == len(g.edge_id)
    flagged = {r["id"] for r in rows if r["kind"] == "buyer" and r["flagged"] == "true"}
    assert flagged & {str(b) for b in g.ring_buyers}


def test_detect_names_the_column_at_fault_and_writes_nothing(tmp_path: Path) -> None:
    edges, out = tmp_path / "orders.csv", tmp_path / "flags.csv"
    edges.write_text("edge_id,buyer_id,shop_id,ts,amount_fen\n1,a,s,yesterday,100\n")
    result = runner.invoke(app, ["integrity", "detect", "--edges", str(edges), "--out", str(out)])
    assert result.exit_code == 2
    assert "ts" in result.output
    assert not out.exists()


def test_run_refuses_bad_input_and_records_a_run(sqlite_url: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    future = runner.invoke(app, ["integrity", "run", "--as-of", "2999-01-01"])
    assert future.exit_code == 2
    assert "as_of" in future.output
    unknown = runner.invoke(app, ["integrity", "run", "--definition", "nope"])
    assert unknown.exit_code == 2
    assert "definition" in unknown.output
    engine = create_engine(sqlite_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(IntegrityRun)) == 0
    ok = runner.invoke(app, ["integrity", "run"])
    assert ok.exit_code == 0, ok.output
    assert "succeeded" in ok.output
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(IntegrityRun)) == 1
    engine.dispose()
