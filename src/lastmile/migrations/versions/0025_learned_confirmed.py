"""address_learned_points.confirmed: deliveries whose position the driver's track confirmed

One such delivery (the driver dwelt at the door, near the proof) is trusted on its own; the
points learned before count none, so they keep waiting for a second delivery.

Revision ID: 0025_learned_confirmed
Revises: 0024_invoices_and_credit_notes
Create Date: 2026-12-07 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_learned_confirmed"
down_revision: str | None = "0024_invoices_and_credit_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("address_learned_points", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmed", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("address_learned_points", schema=None) as batch_op:
        batch_op.drop_column("confirmed")
