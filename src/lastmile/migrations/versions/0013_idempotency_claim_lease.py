"""idempotency records: who holds a claim, until when, and whether the request committed

A claim left "in flight" by a process that died used to hold its key until the key expired
(24 h). Now the claim carries a fencing token and a lease its request renews, and every commit
of the request marks the record `applied` in the same transaction: a resend after the lease
ran out runs again when nothing was applied (api/idempotency.py). Records already stored
were settled or are in flight without a lease; both stay as they are.

Revision ID: 0013_idempotency_lease
Revises: 0012_audit_retention
Create Date: 2026-12-07 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0013_idempotency_lease"
down_revision: str | None = "0012_audit_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("lease_until", lastmile.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        # Existing records: settled answers, or claims of a release that could not tell;
        # `false` keeps the second kind as they were (in flight until the key expires).
        batch_op.add_column(
            sa.Column("applied", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_column("applied")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claim_token")
