"""The schema is built by the migrations; they must agree with the models and form one line."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from shijing.migrations import heads
from shijing.models import metadata


def test_there_is_a_single_head() -> None:
    assert len(heads()) == 1


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"
