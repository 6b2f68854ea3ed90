"""address_learned_points: where an organisation's drivers delivered to each address

Named `0017_geo3` (after `0016_geo`) so that it does not collide with another branch's 0017.

Revision ID: 0017_geo3
Revises: 0016_geo
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0017_geo3"
down_revision: str | None = "0016_geo"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "address_learned_points",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("address_key", sa.String(length=500), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("outliers", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_address_learned_points_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_learned_points")),
        sa.UniqueConstraint(
            "org_id", "address_key", name=op.f("uq_address_learned_points_org_id_address_key")
        ),
    )
    with op.batch_alter_table("address_learned_points", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_address_learned_points_org_id"), ["org_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("address_learned_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_address_learned_points_org_id"))
    op.drop_table("address_learned_points")
