"""flags move from trust to integrity

Revision ID: 1e7f1a000003
Revises: 7a0c0e000002
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shijing.core.db

revision: str = "1e7f1a000003"
down_revision: str | None = "7a0c0e000002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "id, subject_kind, subject_id, reason, source, created_by, created_at, lifted_at"


def _create(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", shijing.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", shijing.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f(f"fk_{name}_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_subject", name, ["subject_kind", "subject_id"], unique=False)


def _move(source: str, target: str) -> None:
    # A new table rather than a rename, so that its constraints and index carry the new name on
    # both databases; the ids are kept, and PostgreSQL's sequence continues after them.
    _create(target)
    op.execute(f"INSERT INTO {target} ({COLUMNS}) SELECT {COLUMNS} FROM {source}")
    op.drop_index(f"ix_{source}_subject", table_name=source)
    op.drop_table(source)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{target}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {target}), 0) + 1, false)"
        )


def upgrade() -> None:
    _move("trust_flags", "integrity_flags")


def downgrade() -> None:
    _move("integrity_flags", "trust_flags")
