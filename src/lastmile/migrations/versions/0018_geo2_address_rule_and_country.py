"""organization_settings: what planning does with poor addresses, and the country phone
numbers are read in

`address_quality_rule` (`off`, `warn`, `refuse`) and `address_quality_threshold` (0..100) say
what planning does with shipments whose address scored below the threshold; `country` (ISO
3166-1 alpha-2, null until set) reads recipients' phone numbers written without a country code.

Named `0018_geo2` so that it does not collide with another branch's numbering.

Revision ID: 0018_geo2
Revises: 0017_geo3
Create Date: 2026-12-07 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_geo2"
down_revision: str | None = "0017_geo3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode: on SQLite that copies the table, which the audit log's trigger
    # (0012) names, and SQLite refuses to rename a table a trigger reads.
    op.add_column(
        "organization_settings",
        sa.Column("address_quality_rule", sa.String(8), nullable=False, server_default="warn"),
    )
    op.add_column(
        "organization_settings",
        sa.Column(
            "address_quality_threshold",
            sa.Integer(),
            nullable=False,
            server_default=sa.text("60"),
        ),
    )
    op.add_column("organization_settings", sa.Column("country", sa.String(2), nullable=True))


def downgrade() -> None:
    op.drop_column("organization_settings", "country")
    op.drop_column("organization_settings", "address_quality_threshold")
    op.drop_column("organization_settings", "address_quality_rule")
