"""Development aid while the commerce schema is young: regenerate its one migration from the
models (delete the old file, autogenerate against a scratch database at the previous head).

    .venv/bin/python scripts/regen_commerce_migration.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from shijing.core.db import create_db_engine
from shijing.migrations import HERE, alembic_config

REV_ID = "c0ffee000003"
PREVIOUS = "215e193805e1"

for old in (HERE / "versions").glob("*_commerce_core.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    engine = create_db_engine(f"sqlite:///{Path(tmp) / 'gen.sqlite'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), PREVIOUS)
        command.revision(
            alembic_config(conn), message="commerce core", autogenerate=True, rev_id=REV_ID
        )
print("regenerated; review the file in src/shijing/migrations/versions/")
