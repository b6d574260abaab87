"""order, address and payment-instrument fingerprints

Revision ID: 4f9d2b000004
Revises: 1e7f1a000003
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4f9d2b000004"
down_revision: str | None = "1e7f1a000003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keyed hashes of the device, the ship-to address and the payment instrument. Nullable:
    # orders and payments recorded before have none, and a client need not send a device id.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_fp", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("address_fp", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_device_fp"), ["device_fp"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_address_fp"), ["address_fp"], unique=False)
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("instrument_fp", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_payments_instrument_fp"), ["instrument_fp"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_instrument_fp"))
        batch_op.drop_column("instrument_fp")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_address_fp"))
        batch_op.drop_index(batch_op.f("ix_orders_device_fp"))
        batch_op.drop_column("address_fp")
        batch_op.drop_column("device_fp")
