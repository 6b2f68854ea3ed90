"""Tables of the address index: a shared map index, like the routing tiles, not tenant data.

The rows come from a public OpenStreetMap extract and are the same for every organisation
that delivers in the area, so they carry no `org_id` (tests/db/test_migrations.py lists them
among the global tables); replacing a map's index replaces its rows for everyone, as
`lastmile map import` replaces its tiles. What an organisation says about its own addresses
(a shipment's address quality) lives on its own rows, in its own domain; the tenant tables
here, `address_learned_points` and `address_access_notes`, are where an organisation's
drivers actually delivered and what they noted about getting to the door.
"""

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow

_ID = BigInteger().with_variant(Integer, "sqlite")


class AddressMap(Base):
    """One indexed extract, named like the routing map it was imported with."""

    __tablename__ = "address_maps"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(300))
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    points: Mapped[int] = mapped_column(Integer, default=0)
    names: Mapped[int] = mapped_column(Integer, default=0)


class AddressName(Base):
    """A street, place or postcode that the words of an address can name."""

    __tablename__ = "address_names"
    __table_args__ = (UniqueConstraint("map_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    map_id: Mapped[int] = mapped_column(_ID, ForeignKey("address_maps.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    """`street`, `place` or `postcode`."""
    name: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300))
    """`normalise.key(name)`, what queries are compared with."""
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    """A point on the street (its node nearest the middle), or the place's own point."""


class AddressGram(Base):
    """One trigram of a name's key: the index a query's trigrams are looked up in."""

    __tablename__ = "address_grams"

    gram: Mapped[str] = mapped_column(String(3), primary_key=True)
    name_id: Mapped[int] = mapped_column(
        _ID, ForeignKey("address_names.id", ondelete="CASCADE"), primary_key=True
    )


class AddressPoint(Base):
    """An address with a house number: an address node, or a building's centre."""

    __tablename__ = "address_points"
    __table_args__ = (
        Index("ix_address_points_street_number", "street_id", "number"),
        Index("ix_address_points_lat_lon", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    map_id: Mapped[int] = mapped_column(
        _ID, ForeignKey("address_maps.id", ondelete="CASCADE"), index=True
    )
    street_id: Mapped[int] = mapped_column(_ID, ForeignKey("address_names.id", ondelete="CASCADE"))
    """The street (`addr:street`) or, without one, the place (`addr:place`)."""
    housenumber: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    number_to: Mapped[int | None] = mapped_column(Integer)
    """The end of a range such as `12-14`."""
    letter: Mapped[str] = mapped_column(String(8), default="")
    postcode: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class LearnedPoint(OrgScoped, Base):
    """Where one organisation's drivers delivered to one normalised address: the running
    mean of the proofs' positions (`learned.py` keeps it)."""

    __tablename__ = "address_learned_points"
    __table_args__ = (UniqueConstraint("org_id", "address_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    address_key: Mapped[str] = mapped_column(String(500))
    """`normalise.key` of the shipment's address text."""
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)
    """Deliveries averaged into the mean."""
    confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Of those, the ones whose position the driver's track confirmed: it dwelt there, near
    the proof (`trips.dwell`). One such delivery is trusted on its own."""
    outliers: Mapped[int] = mapped_column(Integer, default=0)
    """Deliveries too far from the mean to average in, since the mean last started."""
    last_seen_at: Mapped[datetime] = mapped_column()


class AccessNote(OrgScoped, Base):
    """A driver's note from a delivery (gate code, entrance), kept for the next driver to the
    same normalised address (`access_notes.py` keeps the latest few)."""

    __tablename__ = "address_access_notes"
    __table_args__ = (Index("ix_address_access_notes_org_id_address_key", "org_id", "address_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    address_key: Mapped[str] = mapped_column(String(500))
    """`normalise.key` of the shipment's address text (`learned.address_key`)."""
    note: Mapped[str] = mapped_column(Text)
    shipment_id: Mapped[uuid.UUID] = mapped_column()
    """The delivery it was written at: its own stop does not show it as an earlier one."""
    actor: Mapped[str] = mapped_column(String(200))
    """Who wrote it, as the shipment's timeline names them (`driver:<id>`)."""
    at: Mapped[datetime] = mapped_column()
