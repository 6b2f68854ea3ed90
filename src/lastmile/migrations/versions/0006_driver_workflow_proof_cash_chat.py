"""driver workflow, proof of delivery, cash on delivery, chat

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column(
            "sender",
            sa.Enum("driver", "dispatcher", name="chat_sender", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_chat_messages_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_chat_messages_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint(
            "driver_id", "client_id", name=op.f("uq_chat_messages_driver_id_client_id")
        ),
    )
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_messages_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_chat_messages_thread", ["driver_id", "recorded_at"], unique=False)

    op.create_table(
        "driver_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("action_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("client_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_actions_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_driver_actions_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_actions")),
        sa.UniqueConstraint(
            "driver_id", "action_id", name=op.f("uq_driver_actions_driver_id_action_id")
        ),
    )
    with op.batch_alter_table("driver_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_driver_actions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "driver_credentials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_credentials_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_driver_credentials_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_credentials")),
        sa.UniqueConstraint("driver_id", name=op.f("uq_driver_credentials_driver_id")),
    )
    with op.batch_alter_table("driver_credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_driver_credentials_org_id"), ["org_id"], unique=False)

    op.create_table(
        "driver_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_sessions_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_driver_sessions_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_driver_sessions_token_hash")),
    )
    with op.batch_alter_table("driver_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_driver_sessions_driver_id"), ["driver_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_driver_sessions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "driver_signin_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_signin_links_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_driver_signin_links_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_signin_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_driver_signin_links_token_hash")),
    )
    with op.batch_alter_table("driver_signin_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_driver_signin_links_driver_id"), ["driver_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_driver_signin_links_org_id"), ["org_id"], unique=False)

    op.create_table(
        "cod_payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stop_id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("amount", lastmile.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "method",
            sa.Enum("cash", "card", "wallet", name="payment_method", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("recorded_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_cod_payments_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_cod_payments_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["shifts.id"],
            name=op.f("fk_cod_payments_shift_id_shifts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_cod_payments_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["route_stops.id"],
            name=op.f("fk_cod_payments_stop_id_route_stops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cod_payments")),
        sa.UniqueConstraint("stop_id", name=op.f("uq_cod_payments_stop_id")),
    )
    with op.batch_alter_table("cod_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cod_payments_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cod_payments_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cod_payments_shipment_id"), ["shipment_id"], unique=False
        )

    op.create_table(
        "delivery_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stop_id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=True),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_delivery_codes_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_delivery_codes_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["route_stops.id"],
            name=op.f("fk_delivery_codes_stop_id_route_stops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_codes")),
        sa.UniqueConstraint("stop_id", name=op.f("uq_delivery_codes_stop_id")),
    )
    with op.batch_alter_table("delivery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_codes_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_delivery_codes_shipment_id"), ["shipment_id"], unique=False
        )

    op.create_table(
        "proofs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stop_id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "photo",
                "signature",
                "recipient_name",
                "code",
                "scan",
                name="proof_kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=200), nullable=True),
        sa.Column("blob_key", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=40), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("recorded_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_proofs_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_proofs_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_proofs_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["route_stops.id"],
            name=op.f("fk_proofs_stop_id_route_stops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proofs")),
    )
    with op.batch_alter_table("proofs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proofs_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proofs_shipment_id"), ["shipment_id"], unique=False)
        batch_op.create_index("ix_proofs_stop", ["stop_id", "at"], unique=False)

    op.create_table(
        "cash_ledger",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("collected", "handed_over", name="ledger_kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("amount", lastmile.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_cash_ledger_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_cash_ledger_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["cod_payments.id"],
            name=op.f("fk_cash_ledger_payment_id_cod_payments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_ledger")),
    )
    with op.batch_alter_table("cash_ledger", schema=None) as batch_op:
        batch_op.create_index("ix_cash_ledger_driver_at", ["driver_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cash_ledger_org_id"), ["org_id"], unique=False)

    with op.batch_alter_table("route_stops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("arrived_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("finished_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("failure_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("route_stops", schema=None) as batch_op:
        batch_op.drop_column("failure_reason")
        batch_op.drop_column("finished_at")
        batch_op.drop_column("arrived_at")

    with op.batch_alter_table("cash_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cash_ledger_org_id"))
        batch_op.drop_index("ix_cash_ledger_driver_at")

    op.drop_table("cash_ledger")
    with op.batch_alter_table("proofs", schema=None) as batch_op:
        batch_op.drop_index("ix_proofs_stop")
        batch_op.drop_index(batch_op.f("ix_proofs_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_proofs_org_id"))

    op.drop_table("proofs")
    with op.batch_alter_table("delivery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_codes_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_codes_org_id"))

    op.drop_table("delivery_codes")
    with op.batch_alter_table("cod_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cod_payments_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_cod_payments_org_id"))
        batch_op.drop_index(batch_op.f("ix_cod_payments_driver_id"))

    op.drop_table("cod_payments")
    with op.batch_alter_table("driver_signin_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_signin_links_org_id"))
        batch_op.drop_index(batch_op.f("ix_driver_signin_links_driver_id"))

    op.drop_table("driver_signin_links")
    with op.batch_alter_table("driver_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_sessions_org_id"))
        batch_op.drop_index(batch_op.f("ix_driver_sessions_driver_id"))

    op.drop_table("driver_sessions")
    with op.batch_alter_table("driver_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_credentials_org_id"))

    op.drop_table("driver_credentials")
    with op.batch_alter_table("driver_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_actions_org_id"))

    op.drop_table("driver_actions")
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_messages_thread")
        batch_op.drop_index(batch_op.f("ix_chat_messages_org_id"))

    op.drop_table("chat_messages")
