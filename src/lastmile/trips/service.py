"""A driver's day from stored fixes: stops and moves, and the driving / stopped / idle summary."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.dispatch.models import Route, RouteStop
from lastmile.hubs.models import Hub
from lastmile.ingest.models import QUALITY_LATE, QUALITY_OK, fixes
from lastmile.shipments.models import Shipment
from lastmile.trips.segmentation import segment_track
from lastmile.trips.summary import DaySummary, KnownPlace, summarise_day
from lastmile.trips.types import Segment, SegmentationConfig, TrackPoint

HUB_RADIUS_M = 150.0
STOP_RADIUS_M = 100.0


@dataclass(frozen=True, slots=True)
class DriverDay:
    segments: list[Segment]
    summary: DaySummary


def day_track(
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, start: datetime, end: datetime
) -> list[TrackPoint]:
    """The driver's kept fixes in [start, end), smoothed where the pipeline smoothed them."""
    query = (
        select(
            fixes.c.at,
            fixes.c.lat,
            fixes.c.lon,
            fixes.c.smoothed_lat,
            fixes.c.smoothed_lon,
            fixes.c.accuracy_m,
            fixes.c.speed_mps,
        )
        .where(
            fixes.c.org_id == org_id,
            fixes.c.driver_id == driver_id,
            fixes.c.at >= start,
            fixes.c.at < end,
            fixes.c.quality.in_((QUALITY_OK, QUALITY_LATE)),
        )
        .order_by(fixes.c.at)
    )
    return [
        TrackPoint(
            at=row.at,
            lat=row.smoothed_lat if row.smoothed_lat is not None else row.lat,
            lon=row.smoothed_lon if row.smoothed_lon is not None else row.lon,
            accuracy_m=row.accuracy_m,
            speed_mps=row.speed_mps,
        )
        for row in session.execute(query)
    ]


def known_places(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID | None = None,
    day: date | None = None,
) -> list[KnownPlace]:
    """Places where stopping is work, not idling: the organisation's hubs and, given a driver and a
    day, the planned stops of that driver's routes that day."""
    hubs = session.scalars(select(Hub).where(Hub.org_id == org_id))
    places = [KnownPlace(h.lat, h.lon, HUB_RADIUS_M, h.code) for h in hubs]
    if driver_id is None or day is None:
        return places
    stops = session.execute(
        select(Shipment.lat, Shipment.lon, Shipment.tracking_number)
        .join(RouteStop, RouteStop.shipment_id == Shipment.id)
        .join(Route, Route.id == RouteStop.route_id)
        .where(Route.org_id == org_id, Route.driver_id == driver_id, Route.date == day)
    )
    places += [
        KnownPlace(lat, lon, STOP_RADIUS_M, number)
        for lat, lon, number in stops
        if lat is not None and lon is not None
    ]
    return places


def driver_day(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    day: date,
    zone: ZoneInfo,
    config: SegmentationConfig | None = None,
) -> DriverDay:
    start = datetime.combine(day, time.min, tzinfo=zone)
    points = day_track(
        session=session,
        org_id=org_id,
        driver_id=driver_id,
        start=start,
        end=start + timedelta(days=1),
    )
    segments = segment_track(points, config=config)
    summary = summarise_day(
        driver_id=str(driver_id),
        day=day,
        segments=segments,
        places=known_places(session=session, org_id=org_id, driver_id=driver_id, day=day),
        tz=zone,
    )
    return DriverDay(segments, summary)
