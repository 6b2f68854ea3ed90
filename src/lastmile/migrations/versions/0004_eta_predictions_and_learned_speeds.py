"""eta predictions and the latest eta per stop

The learned model (speed factors, service times, error quantiles) is a JSON file in the data
directory, not a table: see lastmile.eta.engine.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eta_predictions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("route_id", sa.Uuid(), nullable=False),
        sa.Column("stop_id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("computed_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("eta", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_start", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("gps_age_s", sa.Double(), nullable=True),
        sa.Column("stops_away", sa.Integer(), nullable=False),
        sa.Column("horizon", sa.String(length=8), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("actual_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_eta_predictions_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["routes.id"],
            name=op.f("fk_eta_predictions_route_id_routes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_eta_predictions_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["route_stops.id"],
            name=op.f("fk_eta_predictions_stop_id_route_stops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eta_predictions")),
    )
    with op.batch_alter_table("eta_predictions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_eta_predictions_org_computed", ["org_id", "computed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_eta_predictions_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_eta_predictions_stop_computed", ["stop_id", "computed_at"], unique=False
        )

    op.create_table(
        "stop_etas",
        sa.Column("stop_id", sa.Uuid(), nullable=False),
        sa.Column("route_id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("eta", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_start", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stops_away", sa.Integer(), nullable=False),
        sa.Column("computed_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("gps_age_s", sa.Double(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_stop_etas_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["routes.id"],
            name=op.f("fk_stop_etas_route_id_routes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_stop_etas_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["route_stops.id"],
            name=op.f("fk_stop_etas_stop_id_route_stops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stop_id", name=op.f("pk_stop_etas")),
    )
    with op.batch_alter_table("stop_etas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stop_etas_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stop_etas_route_id"), ["route_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stop_etas_shipment_id"), ["shipment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stop_etas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stop_etas_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_stop_etas_route_id"))
        batch_op.drop_index(batch_op.f("ix_stop_etas_org_id"))

    op.drop_table("stop_etas")
    with op.batch_alter_table("eta_predictions", schema=None) as batch_op:
        batch_op.drop_index("ix_eta_predictions_stop_computed")
        batch_op.drop_index(batch_op.f("ix_eta_predictions_org_id"))
        batch_op.drop_index("ix_eta_predictions_org_computed")

    op.drop_table("eta_predictions")
