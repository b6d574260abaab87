"""score definition trials

Revision ID: 7a0c0e000002
Revises: 9a4a2e000001
Create Date: 2026-12-03 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a0c0e000002"
down_revision: str | None = "9a4a2e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A candidate definition version scored daily beside the active one, before it is switched on.
    with op.batch_alter_table("trust_score_definitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trial", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("trust_score_definitions", schema=None) as batch_op:
        batch_op.drop_column("trial")
