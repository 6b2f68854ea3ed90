"""Route stops remember when their parcels were scanned onto the van at the hub.

Revision ID: 0027_route_stop_loaded
Revises: 0026_customer_messages
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lastmile.db.types import UTCDateTime

revision: str = "0027_route_stop_loaded"
down_revision: str | None = "0026_customer_messages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("route_stops", sa.Column("loaded_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("route_stops", schema=None) as batch_op:
        batch_op.drop_column("loaded_at")
