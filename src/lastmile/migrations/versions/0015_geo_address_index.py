"""address index: the names, trigrams and points of imported OpenStreetMap extracts

A shared map index (no org_id), like the routing tiles: see lastmile/addresses/models.py.
Named `0015_geo` so that it does not collide with another branch's 0012.

Revision ID: 0015_geo
Revises: 0014_osmand
Create Date: 2026-12-07 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0015_geo"
down_revision: str | None = "0014_osmand"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "address_maps",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("built_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("names", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_maps")),
        sa.UniqueConstraint("name", name=op.f("uq_address_maps_name")),
    )
    op.create_table(
        "address_names",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("map_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["map_id"],
            ["address_maps.id"],
            name=op.f("fk_address_names_map_id_address_maps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_names")),
        sa.UniqueConstraint("map_id", "kind", "key", name=op.f("uq_address_names_map_id_kind_key")),
    )
    op.create_table(
        "address_grams",
        sa.Column("gram", sa.String(length=3), nullable=False),
        sa.Column("name_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["name_id"],
            ["address_names.id"],
            name=op.f("fk_address_grams_name_id_address_names"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gram", "name_id", name=op.f("pk_address_grams")),
    )
    op.create_table(
        "address_points",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("map_id", _ID, nullable=False),
        sa.Column("street_id", _ID, nullable=False),
        sa.Column("housenumber", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("number_to", sa.Integer(), nullable=True),
        sa.Column("letter", sa.String(length=8), nullable=False),
        sa.Column("postcode", sa.String(length=16), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["map_id"],
            ["address_maps.id"],
            name=op.f("fk_address_points_map_id_address_maps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["street_id"],
            ["address_names.id"],
            name=op.f("fk_address_points_street_id_address_names"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_points")),
    )
    with op.batch_alter_table("address_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_address_points_map_id"), ["map_id"], unique=False)
        batch_op.create_index(
            "ix_address_points_street_number", ["street_id", "number"], unique=False
        )
        batch_op.create_index("ix_address_points_lat_lon", ["lat", "lon"], unique=False)


def downgrade() -> None:
    op.drop_table("address_points")
    op.drop_table("address_grams")
    op.drop_table("address_names")
    op.drop_table("address_maps")
