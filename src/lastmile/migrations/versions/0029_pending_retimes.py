"""pending_retimes: a correction that moved a shipment, kept until its stop is re-timed

Written in the correction's transaction and deleted in the re-timing's, so a server killed
between the commit and the bus follower leaves the row for the next start to re-time.

Revision ID: 0029_pending_retimes
Revises: 0028_webhook_data_context
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0029_pending_retimes"
down_revision: str | None = "0028_webhook_data_context"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_retimes",
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("requested_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_pending_retimes_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_pending_retimes_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_pending_retimes")),
    )
    with op.batch_alter_table("pending_retimes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_retimes_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pending_retimes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_retimes_org_id"))
    op.drop_table("pending_retimes")
