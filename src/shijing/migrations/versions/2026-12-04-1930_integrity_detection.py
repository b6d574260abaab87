"""integrity detection: definitions, runs, blocks, and flags that carry their evidence

Revision ID: 5b1c3d000005
Revises: 4f9d2b000004
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shijing.core.db

revision: str = "5b1c3d000005"
down_revision: str | None = "4f9d2b000004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = shijing.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "integrity_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("activated_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_definitions")),
        sa.UniqueConstraint("version", name=op.f("uq_integrity_definitions_version")),
    )
    op.create_index(
        op.f("ix_integrity_definitions_active"), "integrity_definitions", ["active"], unique=False
    )
    op.create_table(
        "integrity_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("definition_version", sa.String(length=20), nullable=False),
        sa.Column("engine", sa.String(length=10), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("finished_at", UTC_TIME, nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_runs")),
    )
    op.create_index(op.f("ix_integrity_runs_as_of"), "integrity_runs", ["as_of"], unique=False)
    op.create_table(
        "integrity_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("detector", sa.String(length=40), nullable=False),
        sa.Column("definition_version", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("density", sa.Float(), nullable=True),
        sa.Column("buyer_ids", sa.JSON(), nullable=False),
        sa.Column("shop_ids", sa.JSON(), nullable=False),
        sa.Column("order_ids", sa.JSON(), nullable=False),
        sa.Column("review_ids", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_integrity_blocks_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["integrity_runs.id"],
            name=op.f("fk_integrity_blocks_run_id_integrity_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_blocks")),
    )
    op.create_index(
        op.f("ix_integrity_blocks_run_id"), "integrity_blocks", ["run_id"], unique=False
    )
    op.create_index(
        "ix_integrity_blocks_status", "integrity_blocks", ["status", "id"], unique=False
    )
    with op.batch_alter_table("integrity_flags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detector", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("definition_version", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("run_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("block_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("evidence", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("lifted_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lift_reason", sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f("ix_integrity_flags_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_integrity_flags_block_id"), ["block_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_integrity_flags_run_id_integrity_runs"),
            "integrity_runs",
            ["run_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_integrity_flags_block_id_integrity_blocks"),
            "integrity_blocks",
            ["block_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_integrity_flags_lifted_by_users"), "users", ["lifted_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("integrity_flags", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_integrity_flags_lifted_by_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_integrity_flags_block_id_integrity_blocks"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_integrity_flags_run_id_integrity_runs"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_integrity_flags_block_id"))
        batch_op.drop_index(batch_op.f("ix_integrity_flags_run_id"))
        for column in (
            "lift_reason",
            "lifted_by",
            "evidence",
            "score",
            "block_id",
            "run_id",
            "definition_version",
            "detector",
        ):
            batch_op.drop_column(column)
    op.drop_index("ix_integrity_blocks_status", table_name="integrity_blocks")
    op.drop_index(op.f("ix_integrity_blocks_run_id"), table_name="integrity_blocks")
    op.drop_table("integrity_blocks")
    op.drop_index(op.f("ix_integrity_runs_as_of"), table_name="integrity_runs")
    op.drop_table("integrity_runs")
    op.drop_index(op.f("ix_integrity_definitions_active"), table_name="integrity_definitions")
    op.drop_table("integrity_definitions")
