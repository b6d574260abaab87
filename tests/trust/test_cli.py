"""`shijing score run` on a folder of Parquet it did not export (a `sim bulk` folder)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shijing.cli import app
from shijing.core.settings import get_settings
from tests.trust.builders import AS_OF, T0, FactSet

runner = CliRunner()


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("SHIJING_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_score_run_keeps_a_bulk_folder(sqlite_url: str, tmp_path: Path) -> None:
    """Without export state the run refuses, naming facts_dir, and deletes nothing;
    ``--no-export`` scores the folder as it is."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    facts = tmp_path / "bulk"
    fs = FactSet()
    for i in range(30):
        fs.order(shop_id=1, placed_at=T0 + timedelta(hours=i))
    fs.write(facts)
    files = sorted(p.relative_to(facts) for p in facts.rglob("*.parquet"))
    args = ["score", "run", "--facts-dir", str(facts), "--as-of", AS_OF.isoformat()]

    refused = runner.invoke(app, args)
    assert refused.exit_code == 2, refused.output
    assert "facts_dir" in refused.output
    assert sorted(p.relative_to(facts) for p in facts.rglob("*.parquet")) == files

    scored = runner.invoke(app, [*args, "--no-export"])
    assert scored.exit_code == 0, scored.output
    assert "shops scored" in scored.output
    assert sorted(p.relative_to(facts) for p in facts.rglob("*.parquet")) == files


def test_score_run_refuses_bad_input_naming_the_field(sqlite_url: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    facts = tmp_path / "bulk"
    fs = FactSet()
    for i in range(30):
        fs.order(shop_id=1, placed_at=T0 + timedelta(hours=i))
    fs.write(facts)
    base = ["score", "run", "--facts-dir", str(facts), "--no-export"]
    for extra, field in (
        (["--as-of", "2999-01-01"], "as_of"),
        (["--as-of", "2020-01-01"], "as_of"),  # before any data
        (["--as-of", "01/11/2026"], "as_of"),
        (["--engine", "oracle"], "engine"),
        (["--definition", "v9"], "definition"),
    ):
        refused = runner.invoke(app, [*base, *extra])
        assert refused.exit_code == 2, (extra, refused.output)
        assert f"{field}:" in refused.output, (extra, refused.output)
    explained = runner.invoke(app, ["score", "explain", "--shop", "1"])
    assert explained.exit_code == 2  # nothing was stored by the refused runs
    assert "no score yet" in explained.output


def test_score_run_summarises_bands_and_movers_since_the_previous_run(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Two runs a week apart (a gap, as after a missed day): the second lists the bands and the
    shop that moved, measured from the first run's day."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    facts = tmp_path / "bulk"
    fs = FactSet()
    first = AS_OF - timedelta(days=7)
    for shop_id in (1, 2, 3):
        for i in range(40):
            fs.order(shop_id=shop_id, placed_at=T0 + timedelta(hours=i), pickup_hours=24)
    for i in range(20):  # shop 1 turns late after the first run's day
        fs.order(shop_id=1, placed_at=T0 + timedelta(days=25, hours=i), pickup_hours=72)
    fs.write(facts)
    base = ["score", "run", "--facts-dir", str(facts), "--no-export"]
    ran = runner.invoke(app, [*base, "--as-of", first.isoformat()])
    assert ran.exit_code == 0, ran.output
    assert "Biggest movers" not in ran.output  # nothing to compare with yet
    again = runner.invoke(app, [*base, "--as-of", AS_OF.isoformat()])
    assert again.exit_code == 0, again.output
    assert "shops scored" in again.output
    assert "band excellent" in again.output
    movers = " ".join(again.output.split("Biggest movers")[1].split())  # rich wraps the title
    assert movers.startswith(f"since {first}"), movers
    # shop 1, which turned late, moved most: listed first, from its total then to now
    rows = re.findall(r"│ (\d+) │ (\d+\.\d\d) │ (\d+\.\d\d) │", movers)
    assert rows[0][0] == "1"
    assert float(rows[0][2]) < float(rows[0][1])
