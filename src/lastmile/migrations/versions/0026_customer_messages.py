"""A customer's message thread with their driver, one per shipment.

Revision ID: 0026_customer_messages
Revises: 0025_learned_confirmed
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0026_customer_messages"
down_revision: str | None = "0025_learned_confirmed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column(
            "party",
            sa.Enum(
                "customer",
                "driver",
                "dispatcher",
                name="customer_message_party",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("driver_id", sa.Uuid(), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_customer_messages_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_customer_messages_driver_id_drivers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_customer_messages_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_messages")),
        sa.UniqueConstraint(
            "shipment_id", "client_id", name=op.f("uq_customer_messages_shipment_id_client_id")
        ),
    )
    with op.batch_alter_table("customer_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_messages_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_customer_messages_thread", ["shipment_id", "recorded_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_messages_thread")
        batch_op.drop_index(batch_op.f("ix_customer_messages_org_id"))
    op.drop_table("customer_messages")
