"""Alembic environment: runs on the connection handed over by shijing.migrations or on a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from shijing.core.db import create_db_engine
from shijing.models import metadata

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_db_engine(
        config.get_main_option("sqlalchemy.url") or "sqlite:///var/shijing.sqlite"
    )
    with engine.begin() as conn:
        run(conn)
