"""Users limited to some hubs: a dispatcher who sees only their depots.

Revision ID: 0030_user_hubs
Revises: 0029_pending_retimes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_user_hubs"
down_revision: str | None = "0029_pending_retimes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_hubs",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hubs.id"], name=op.f("fk_user_hubs_hub_id_hubs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_user_hubs_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_hubs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "hub_id", name=op.f("pk_user_hubs")),
    )
    with op.batch_alter_table("user_hubs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_hubs_hub_id"), ["hub_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_hubs_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_hubs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_hubs_org_id"))
        batch_op.drop_index(batch_op.f("ix_user_hubs_hub_id"))
    op.drop_table("user_hubs")
