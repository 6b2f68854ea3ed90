"""The end-of-day sweep: a route still running after its day ended (in its hub's time zone)
is closed as if its driver had ended the shift, with a dispatcher alert."""

import asyncio
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.audit.types import system_actor
from lastmile.bus.base import Bus
from lastmile.db import Database, utcnow
from lastmile.dispatch.models import Route, RouteStatus
from lastmile.driver.closing import Closed, close_route
from lastmile.fleet import service as fleet
from lastmile.hubs.models import Hub

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:end-of-day"
WHY = "the day ended and the shift was never ended"


def day_end(route_date: date, timezone: str) -> datetime:
    """Midnight after the route's date in the hub's time zone.

    >>> from datetime import UTC
    >>> day_end(date(2026, 12, 7), "Europe/Helsinki").astimezone(UTC).isoformat()
    '2026-12-07T22:00:00+00:00'
    """
    return datetime.combine(route_date + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))


def close_ended_days(session: Session, *, now: datetime) -> list[Closed]:
    """Close every route still in progress whose day is over; end its driver's open shift.

    The parcels are handed back now (their timelines only move forward); the shift is
    recorded as ended when the day did.
    """
    rows = session.execute(
        select(Route, Hub.timezone)
        .join(Hub, Hub.id == Route.hub_id)
        .where(Route.status == RouteStatus.IN_PROGRESS, Route.date <= now.date())
    ).all()
    closed = []
    for route, timezone in rows:
        ended = day_end(route.date, timezone)
        if now < ended:
            continue
        closed.append(
            close_route(
                session=session,
                route=route,
                actor=SYSTEM_ACTOR,
                audited_as=system_actor("end-of-day"),
                at=now,
                why=WHY,
            )
        )
        shift = fleet.current_shift(session=session, driver_id=route.driver_id)
        if shift is not None:
            shift.ended_at = max(ended, shift.started_at)
    session.flush()
    return closed


async def close_days_loop(database: Database, bus: Bus, *, every_s: float = 300.0) -> None:
    """Sweep forever; a failed sweep is logged and the next one runs on time."""

    def run_once() -> list[Closed]:
        with database.session(writes=True) as session:
            closed = close_ended_days(session, now=utcnow())
            session.commit()
            return closed

    while True:
        try:
            for route in await anyio.to_thread.run_sync(run_once):
                for job in route.publish:
                    await job(bus)
        except Exception:
            log.exception("closing the routes of ended days failed")
        await asyncio.sleep(every_s)
