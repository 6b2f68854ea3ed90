"""Route stops remember when their parcels were scanned onto the van at the hub.

Revision ID: 0025_route_stop_loaded
Revises: 0024_invoices_and_credit_notes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lastmile.db.types import UTCDateTime

revision: str = "0025_route_stop_loaded"
down_revision: str | None = "0024_invoices_and_credit_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("route_stops", sa.Column("loaded_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("route_stops", schema=None) as batch_op:
        batch_op.drop_column("loaded_at")
