"""foundation

Revision ID: 0001
Revises:
Create Date: 2026-11-24 00:42:37.991812
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("caller_sha256", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint(
            "caller_sha256", "key", name=op.f("uq_idempotency_records_caller_sha256_key")
        ),
    )
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_records_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum("admin", "dispatcher", "driver", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_api_keys_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_org_id"), ["org_id"], unique=False)

    op.create_table(
        "hubs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_hubs_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs")),
        sa.UniqueConstraint("org_id", "code", name=op.f("uq_hubs_org_id_code")),
    )
    with op.batch_alter_table("hubs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hubs_org_id"), ["org_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum("admin", "dispatcher", "driver", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_users_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_org_id"), ["org_id"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tracking_number", sa.String(length=16), nullable=False),
        sa.Column("tracking_token", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "created",
                "at_hub",
                "out_for_delivery",
                "arriving",
                "delivered",
                "attempted",
                "returned_to_hub",
                "cancelled",
                "exception",
                name="shipment_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("hub_id", sa.Uuid(), nullable=True),
        sa.Column("driver_id", sa.Uuid(), nullable=True),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_phone", sa.String(length=20), nullable=True),
        sa.Column("recipient_email", sa.String(length=320), nullable=True),
        sa.Column("address_text", sa.String(length=500), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("window_start", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("window_end", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("service_time_s", sa.Integer(), nullable=False),
        sa.Column("weight_kg", sa.Double(), nullable=True),
        sa.Column("volume_m3", sa.Double(), nullable=True),
        sa.Column("parcel_count", sa.Integer(), nullable=False),
        sa.Column("cod_amount", lastmile.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("cod_currency", sa.String(length=3), nullable=True),
        sa.Column("instructions", sa.Text(), nullable=True),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hubs.id"], name=op.f("fk_shipments_hub_id_hubs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_shipments_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("org_id", "reference", name=op.f("uq_shipments_org_id_reference")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_shipments_tracking_number")),
        sa.UniqueConstraint("tracking_token", name=op.f("uq_shipments_tracking_token")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_hub_id"), ["hub_id"], unique=False)
        batch_op.create_index(
            "ix_shipments_org_created", ["org_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_shipments_org_delivery_date", ["org_id", "delivery_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_shipments_org_id"), ["org_id"], unique=False)

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_web_sessions_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "shipment_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "created",
                "at_hub",
                "out_for_delivery",
                "arriving",
                "delivered",
                "attempted",
                "returned_to_hub",
                "cancelled",
                "exception",
                name="shipment_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_shipment_events_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_events_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_events")),
    )
    with op.batch_alter_table("shipment_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_events_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_shipment_events_timeline", ["shipment_id", "at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shipment_events", schema=None) as batch_op:
        batch_op.drop_index("ix_shipment_events_timeline")
        batch_op.drop_index(batch_op.f("ix_shipment_events_org_id"))

    op.drop_table("shipment_events")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_org_id"))

    op.drop_table("web_sessions")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_org_id"))
        batch_op.drop_index("ix_shipments_org_delivery_date")
        batch_op.drop_index("ix_shipments_org_created")
        batch_op.drop_index(batch_op.f("ix_shipments_hub_id"))
        batch_op.drop_index(batch_op.f("ix_shipments_driver_id"))

    op.drop_table("shipments")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_org_id"))

    op.drop_table("users")
    with op.batch_alter_table("hubs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubs_org_id"))

    op.drop_table("hubs")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_org_id"))

    op.drop_table("api_keys")
    op.drop_table("organizations")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_records_created_at"))

    op.drop_table("idempotency_records")
