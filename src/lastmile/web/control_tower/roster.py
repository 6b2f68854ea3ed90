"""The driver list beside the Control Tower's map: who is out today, doing what, how far along.

Pure over rows the board has already read, so the list costs no query of its own.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from lastmile.dispatch.models import Route, RouteStatus, RouteStop, StopStatus
from lastmile.fleet.models import Driver
from lastmile.ingest.models import DriverPosition

STALE_AFTER_S = 120.0
"""A last fix older than this is stale: the phone may have lost its signal. The board sends it
to the page, whose list ages the fixes every second."""

DRIVING_FROM_MPS = 2.0
"""Slower than this (walking pace with GPS jitter) a driver is not driving."""


def driver_status(
    *,
    on_shift: bool,
    route: Route | None,
    stops: Sequence[RouteStop],
    position: DriverPosition | None,
    age_s: float | None,
) -> str:
    """One word for what the driver is doing: offline, at stop, driving, idle or on shift."""
    if not on_shift:
        return "offline"
    if any(stop.status is StopStatus.ARRIVED for stop in stops):
        return "at stop"
    fresh = age_s is not None and age_s <= STALE_AFTER_S
    if fresh and position is not None and (position.speed_mps or 0.0) >= DRIVING_FROM_MPS:
        return "driving"
    if route is not None and route.status is RouteStatus.IN_PROGRESS:
        return "idle"
    return "on shift"


def _their_route(routes: Iterable[Route]) -> Route | None:
    """The route the list follows when a driver has several today: the one under way first."""
    order = {RouteStatus.IN_PROGRESS: 0, RouteStatus.PLANNED: 1, RouteStatus.COMPLETED: 2}
    return min(routes, key=lambda r: (order[r.status], r.planned_start), default=None)


def roster(
    *,
    drivers: Sequence[Driver],
    on_shift: set[uuid.UUID],
    positions: Mapping[uuid.UUID, DriverPosition],
    routes: Sequence[Route],
    stops: Mapping[uuid.UUID, Sequence[RouteStop]],
    one_hub: bool,
    now: datetime,
) -> list[dict[str, Any]]:
    """Each driver out today, by name: those with a route in `routes` and, when the board shows
    every hub (`one_hub` false), those on shift without one, as of `now`."""
    by_driver: dict[uuid.UUID, list[Route]] = {}
    for each in routes:
        by_driver.setdefault(each.driver_id, []).append(each)
    listed = []
    for driver in drivers:
        if driver.id not in by_driver and (one_hub or driver.id not in on_shift):
            continue
        route = _their_route(by_driver.get(driver.id, []))
        route_stops = stops.get(route.id, []) if route is not None else []
        position = positions.get(driver.id)
        age_s = max(0.0, (now - position.at).total_seconds()) if position is not None else None
        listed.append(
            {
                "id": str(driver.id),
                "name": driver.name,
                "status": driver_status(
                    on_shift=driver.id in on_shift,
                    route=route,
                    stops=route_stops,
                    position=position,
                    age_s=age_s,
                ),
                "delivered": sum(s.status is StopStatus.COMPLETED for s in route_stops),
                "stops_total": len(route_stops),
                "last_fix_at": position.at.isoformat() if position is not None else None,
                "battery_pct": (
                    round(position.battery_pct)
                    if position is not None and position.battery_pct is not None
                    else None
                ),
            }
        )
    return listed
