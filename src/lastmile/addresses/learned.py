"""Delivery points learned from real deliveries: where the drivers of one organisation
actually handed over parcels at a normalised address, kept as a running mean.

The rules:

- Only an address text that names a house number is learned (its normalised `key` holds a
  word that reads as one): a text naming only a street names many doors.
- A proof position more than `OUTLIER_M` from the mean is an outlier: counted, not averaged
  in. When the outliers come to outnumber the deliveries averaged, the mean starts again at
  the latest one (the first deliveries were the odd ones, or the door moved).
- A position more than `FAR_FROM_SHIPMENT_M` from the shipment's own point is not learned
  from at all: the driver pressed "delivered" elsewhere (the completion alert says so).
- The position learned from is where the driver's track dwelt at the door before "delivered"
  was pressed, when it shows such a dwell near the proof (the rule: `trips.dwell`); else
  the proof's position, one phone fix often taken back in the van.
- The learned point is used once `USE_AFTER` deliveries agree on it: one delivery could be a
  driver's slip. One delivery is enough when it is *confirmed*: the driver's track dwelt at
  the door and the proof was pressed near it (`trips.dwell`), two witnesses that agree. The
  point keeps how many of its deliveries were confirmed (a restart counts afresh).
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lastmile.addresses.models import LearnedPoint
from lastmile.addresses.normalise import house_numbers, key, words
from lastmile.db import new_id
from lastmile.geo import haversine_m

OUTLIER_M: Final = 200.0
FAR_FROM_SHIPMENT_M: Final = 1_000.0
USE_AFTER: Final = 2


@dataclass(frozen=True, slots=True)
class Learned:
    """A learned point ready to use: where, from how many deliveries, and how many of them
    the driver's track confirmed (its confidence)."""

    lat: float
    lon: float
    count: int
    confirmed: int = 0


def address_key(text: str) -> str | None:
    """The normalised address a point is learned for; None when the text names no door.

    >>> address_key("Mäkelänk. 12 B, Helsinki") == address_key("makelankatu 12 b helsinki")
    True
    >>> address_key("Mannerheimintie, Helsinki") is None
    True
    """
    parts = words(text)
    if not house_numbers(parts):
        return None
    return key(text)[:500]


def learn_delivery(
    *,
    session: Session,
    org_id: uuid.UUID,
    address_text: str,
    position: tuple[float, float],
    at: datetime,
    expected: tuple[float, float] | None = None,
    confirmed: bool = False,
) -> LearnedPoint | None:
    """Fold one delivery's position into the address's learned point (None: the address or
    the position is not one to learn from, see the module's rules). `confirmed`: the
    position is where the driver's track dwelt, near the proof (`trips.dwell`)."""
    found_key = address_key(address_text)
    if found_key is None:
        return None
    lat, lon = position
    if expected is not None and haversine_m(lat, lon, *expected) > FAR_FROM_SHIPMENT_M:
        return None
    point = session.scalar(
        select(LearnedPoint)
        .where(LearnedPoint.org_id == org_id, LearnedPoint.address_key == found_key)
        .with_for_update()
    )
    if point is None:
        point = LearnedPoint(
            id=new_id(),
            org_id=org_id,
            address_key=found_key,
            lat=lat,
            lon=lon,
            count=1,
            confirmed=int(confirmed),
            outliers=0,
            last_seen_at=at,
        )
        session.add(point)
        return point
    point.last_seen_at = max(point.last_seen_at, at)
    if haversine_m(lat, lon, point.lat, point.lon) > OUTLIER_M:
        point.outliers += 1
        if point.outliers > point.count:
            point.lat, point.lon, point.count, point.outliers = lat, lon, 1, 0
            point.confirmed = int(confirmed)
        return point
    point.count += 1
    point.confirmed += int(confirmed)
    point.lat += (lat - point.lat) / point.count
    point.lon += (lon - point.lon) / point.count
    return point


def learned_points(
    *, session: Session, org_id: uuid.UUID, texts: Iterable[str]
) -> dict[str, Learned]:
    """The learned points ready to use for these address texts, by text (one query)."""
    keys = {text: k for text in texts if (k := address_key(text)) is not None}
    if not keys:
        return {}
    rows = session.scalars(
        select(LearnedPoint).where(
            LearnedPoint.org_id == org_id,
            LearnedPoint.address_key.in_(set(keys.values())),
            or_(LearnedPoint.count >= USE_AFTER, LearnedPoint.confirmed > 0),
        )
    )
    by_key = {row.address_key: Learned(row.lat, row.lon, row.count, row.confirmed) for row in rows}
    return {text: by_key[k] for text, k in keys.items() if k in by_key}
