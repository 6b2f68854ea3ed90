"""shipments: address quality (score 0..100, reasons) and whether lat/lon were geocoded

Named `0016_geo` (after `0015_geo`) so that it does not collide with another branch's
numbering.

Revision ID: 0016_geo
Revises: 0015_geo
Create Date: 2026-12-07 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_geo"
down_revision: str | None = "0015_geo"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address_score", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("address_reasons", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("address_geocoded", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_column("address_geocoded")
        batch_op.drop_column("address_reasons")
        batch_op.drop_column("address_score")
