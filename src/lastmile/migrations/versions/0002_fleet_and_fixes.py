"""fleet and fixes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:56:34.997354
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fixes",
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.String(length=120), nullable=False),
        sa.Column("received_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("smoothed_lat", sa.Double(), nullable=True),
        sa.Column("smoothed_lon", sa.Double(), nullable=True),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("speed_mps", sa.Double(), nullable=True),
        sa.Column("heading_deg", sa.Double(), nullable=True),
        sa.Column("altitude_m", sa.Double(), nullable=True),
        sa.Column("battery_pct", sa.Double(), nullable=True),
        sa.Column("mock", sa.Boolean(), nullable=False),
        sa.Column("quality", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("driver_id", "at", name=op.f("pk_fixes")),
        postgresql_partition_by="RANGE (at)",
    )
    with op.batch_alter_table("fixes", schema=None) as batch_op:
        batch_op.create_index("ix_fixes_at_brin", ["at"], unique=False, postgresql_using="brin")

    if op.get_bind().dialect.name == "postgresql":
        # Day partitions are made on demand by the writer; the default one catches the rest.
        op.execute("CREATE TABLE fixes_default PARTITION OF fixes DEFAULT")

    op.create_table(
        "driver_positions",
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.String(length=120), nullable=False),
        sa.Column("at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("speed_mps", sa.Double(), nullable=True),
        sa.Column("heading_deg", sa.Double(), nullable=True),
        sa.Column("battery_pct", sa.Double(), nullable=True),
        sa.Column("mock", sa.Boolean(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_driver_positions_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("driver_id", name=op.f("pk_driver_positions")),
    )
    with op.batch_alter_table("driver_positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_driver_positions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "drivers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("photo_url", sa.String(length=500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_drivers_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
    )
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drivers_org_id"), ["org_id"], unique=False)

    op.create_table(
        "vehicles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("capacity_kg", sa.Double(), nullable=True),
        sa.Column("capacity_m3", sa.Double(), nullable=True),
        sa.Column("capacity_parcels", sa.Integer(), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_vehicles_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("org_id", "plate", name=op.f("uq_vehicles_org_id_plate")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicles_org_id"), ["org_id"], unique=False)

    op.create_table(
        "devices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("identifier", sa.String(length=120), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_devices_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_devices_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("identifier", name=op.f("uq_devices_identifier")),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_devices_org_id"), ["org_id"], unique=False)

    op.create_table(
        "shifts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("odometer_start_km", sa.Double(), nullable=True),
        sa.Column("odometer_end_km", sa.Double(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_shifts_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_shifts_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_shifts_vehicle_id_vehicles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index("ix_shifts_driver_started", ["driver_id", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_shifts_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shifts_org_id"))
        batch_op.drop_index("ix_shifts_driver_started")

    op.drop_table("shifts")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_org_id"))
        batch_op.drop_index(batch_op.f("ix_devices_driver_id"))

    op.drop_table("devices")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_org_id"))

    op.drop_table("vehicles")
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drivers_org_id"))

    op.drop_table("drivers")
    with op.batch_alter_table("driver_positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_positions_org_id"))

    op.drop_table("driver_positions")
    with op.batch_alter_table("fixes", schema=None) as batch_op:
        batch_op.drop_index("ix_fixes_at_brin", postgresql_using="brin")

    op.drop_table("fixes")
