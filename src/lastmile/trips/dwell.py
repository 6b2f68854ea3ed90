"""Where a driver waited at the door before pressing "delivered", from the track's dwells.

A proof of delivery's position is one phone fix at the moment "delivered" was pressed, and
drivers often press it back in the van. The track knows better: the door is where the
driver stood still, waiting for the customer or for the parcel locker, just before. The rule:

- Look at the driver's kept fixes from `LOOKBACK` before the completion (or from the end of
  the driver's previous stop on the route, when later) up to the completion itself.
- Find its dwells with the shipped stop detector (`segmentation.py`), except that a dwell
  strays at most `DOOR_EXTENT_M` from where it began: a door and the van parked at the kerb
  40 m away are two places, not one stop.
- Keep the dwells lasting at least `MIN_DWELL_S` whose centre lies within `NEAR_PROOF_M` of
  the proof position (further off, it is another address's dwell).
- The door is the centre (median of its fixes) of the longest of them; with none, there is
  no dwell to prefer and the proof position stands.

A door found this way is confirmed twice over: the driver stood there, and the proof was
pressed near it. `addresses.learned` trusts such a delivery on its own.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from lastmile.geo import haversine_m
from lastmile.trips.segmentation import segment_track
from lastmile.trips.service import day_track
from lastmile.trips.types import SegmentationConfig, TrackPoint

LOOKBACK: Final = timedelta(minutes=10)
DOOR_EXTENT_M: Final = 20.0
MIN_DWELL_S: Final = 30.0
NEAR_PROOF_M: Final = 150.0

_DOOR_DETECTOR: Final = SegmentationConfig(max_extent_m=DOOR_EXTENT_M)


def door_dwell(
    track: Sequence[TrackPoint], *, proof: tuple[float, float]
) -> tuple[float, float] | None:
    """The centre of the longest dwell of `track` near `proof` (the module's rule), or None.

    `track` is the stretch before the completion, fixes in time order."""
    near = [
        segment
        for segment in segment_track(track, config=_DOOR_DETECTOR)
        if segment.kind == "stop"
        and segment.duration_s >= MIN_DWELL_S
        and haversine_m(segment.lat, segment.lon, *proof) <= NEAR_PROOF_M
    ]
    if not near:
        return None
    longest = max(near, key=lambda segment: segment.duration_s)
    return longest.lat, longest.lon


def dwelt_door(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    at: datetime,
    proof: tuple[float, float],
    since: datetime | None = None,
) -> tuple[float, float] | None:
    """Where the driver's track dwelt at the door before the delivery completed at `at`,
    near `proof` (the module's rule); None when it shows no such dwell.

    `since`: when the driver's previous stop ended, if after `at - LOOKBACK` (its dwell is
    not this door's)."""
    start = at - LOOKBACK if since is None else max(at - LOOKBACK, since)
    track = day_track(
        session=session,
        org_id=org_id,
        driver_id=driver_id,
        start=start,
        end=at + timedelta(seconds=1),
    )
    return door_dwell(track, proof=proof)
