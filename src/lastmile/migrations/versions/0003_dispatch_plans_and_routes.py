"""dispatch plans and routes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:04:29.892962
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft", "committed", "discarded", name="plan_status", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("day_start", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("committed_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hubs.id"], name=op.f("fk_plans_hub_id_hubs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_plans_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index("ix_plans_org_hub_date", ["org_id", "hub_id", "date"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_org_id"), ["org_id"], unique=False)

    op.create_table(
        "routes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "completed",
                name="route_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("day_start", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("planned_start", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("planned_end", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("distance_m", sa.Double(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("polyline6", sa.Text(), nullable=False),
        sa.Column("started_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_routes_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hubs.id"], name=op.f("fk_routes_hub_id_hubs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_routes_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_routes_plan_id_plans"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_routes_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routes")),
    )
    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routes_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index("ix_routes_org_date", ["org_id", "date"], unique=False)
        batch_op.create_index(batch_op.f("ix_routes_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_routes_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "route_stops",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("route_id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("planned_arrival", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "planned_departure", lastmile.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "arrived",
                "completed",
                "failed",
                name="stop_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_route_stops_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["routes.id"],
            name=op.f("fk_route_stops_route_id_routes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_route_stops_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_stops")),
    )
    with op.batch_alter_table("route_stops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_stops_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_route_stops_route_sequence", ["route_id", "sequence"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_route_stops_shipment_id"), ["shipment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("route_stops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_route_stops_shipment_id"))
        batch_op.drop_index("ix_route_stops_route_sequence")
        batch_op.drop_index(batch_op.f("ix_route_stops_org_id"))

    op.drop_table("route_stops")
    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routes_plan_id"))
        batch_op.drop_index(batch_op.f("ix_routes_org_id"))
        batch_op.drop_index("ix_routes_org_date")
        batch_op.drop_index(batch_op.f("ix_routes_driver_id"))

    op.drop_table("routes")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_org_id"))
        batch_op.drop_index("ix_plans_org_hub_date")

    op.drop_table("plans")
