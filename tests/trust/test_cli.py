"""`shijing score run` on a folder of Parquet it did not export (a `sim bulk` folder)."""

from __future__ import annotations

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
