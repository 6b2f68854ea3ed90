"""organization_settings: whether the customer may confirm or move their address's pin

`customer_can_move_pin` (default true): the tracking page asks "Is this your door?" before
the parcel is out for delivery, and lets the customer move the pin a short way.

Revision ID: 0021_fixaddress_customer_pin
Revises: 0020_learn_access_notes
Create Date: 2026-12-07 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_fixaddress_customer_pin"
down_revision: str | None = "0020_learn_access_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode: the audit log's trigger (0012) names this table (see 0018).
    op.add_column(
        "organization_settings",
        sa.Column("customer_can_move_pin", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_column("organization_settings", "customer_can_move_pin")
