"""address_access_notes: drivers' notes from deliveries (gate code, entrance), per address

Revision ID: 0020_learn_access_notes
Revises: 0019_billing
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0020_learn_access_notes"
down_revision: str | None = "0019_billing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "address_access_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("address_key", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_address_access_notes_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_access_notes")),
    )
    op.create_index(
        "ix_address_access_notes_org_id_address_key",
        "address_access_notes",
        ["org_id", "address_key"],
        unique=False,
    )
    op.create_index(
        op.f("ix_address_access_notes_org_id"), "address_access_notes", ["org_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_address_access_notes_org_id"), table_name="address_access_notes")
    op.drop_index("ix_address_access_notes_org_id_address_key", table_name="address_access_notes")
    op.drop_table("address_access_notes")
