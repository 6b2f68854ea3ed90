"""OsmAnd trust: devices issued by us, organisations that accept only those, suspect fixes

`devices.issued` marks an id issued by `POST /api/v1/drivers/{id}/device-ids`; the ids that
endpoint issued before this column existed (`lm-` and 22 URL-safe characters) are marked too,
so that turning `organization_settings.osmand_issued_ids_only` on keeps them working.
`fixes.suspect` and `driver_positions.suspect` mark the live fixes of a track that teleported
and is not trusted again yet: shown to the dispatcher, never to customers.

Revision ID: 0014_osmand
Revises: 0013_idempotency_lease
Create Date: 2026-12-09 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_osmand"
down_revision: str | None = "0013_idempotency_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ISSUED_LENGTH = len("lm-") + 22  # secrets.token_urlsafe(16)


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch_op:
        batch_op.add_column(
            sa.Column("issued", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    devices = sa.table("devices", sa.column("identifier", sa.String), sa.column("issued"))
    op.execute(
        devices.update()
        .where(
            devices.c.identifier.like("lm-%"),
            sa.func.length(devices.c.identifier) == _ISSUED_LENGTH,
        )
        .values(issued=True)
    )
    # Not in batch mode: on SQLite that copies the table, which the audit log's trigger
    # (0012) names, and SQLite refuses to rename a table a trigger reads.
    op.add_column(
        "organization_settings",
        sa.Column(
            "osmand_issued_ids_only", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    # A constant default: PostgreSQL adds it to every partition without rewriting them.
    op.add_column(
        "fixes", sa.Column("suspect", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    with op.batch_alter_table("driver_positions") as batch_op:
        batch_op.add_column(
            sa.Column("suspect", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("driver_positions") as batch_op:
        batch_op.drop_column("suspect")
    op.drop_column("fixes", "suspect")
    op.drop_column("organization_settings", "osmand_issued_ids_only")
    with op.batch_alter_table("devices") as batch_op:
        batch_op.drop_column("issued")
