"""What the detectors need to know about a driver's day: their live context (read once for
ETA and alerts alike, `dispatch.driver_context`) seen with the organisation's thresholds."""

import uuid
from dataclasses import dataclass
from datetime import UTC, tzinfo

from lastmile.alerts.corridor import Corridor
from lastmile.alerts.detectors.halt import HaltContext
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.dispatch.driver_context import DriverContext


@dataclass(frozen=True, slots=True)
class DriverDay:
    """A driver's current route (if any), remaining planned places and parcels on board."""

    org_id: uuid.UUID
    driver_id: uuid.UUID
    thresholds: AlertThresholds
    on_shift: bool
    route_id: uuid.UUID | None = None
    corridor: Corridor | None = None
    planned_places: tuple[tuple[float, float], ...] = ()
    parcels_on_board: int = 0
    time_zone: tzinfo = UTC

    @property
    def halt_context(self) -> HaltContext:
        return HaltContext(self.planned_places, self.parcels_on_board, self.time_zone)


def driver_day(context: DriverContext, thresholds: AlertThresholds) -> DriverDay:
    """The day the detectors watch: the open stops and the hub are planned places; parcels
    are on board once the route has started."""
    day = DriverDay(context.org_id, context.driver_id, thresholds, context.on_shift)
    route = context.route
    if route is None:
        return day
    places = [stop.place for stop in route.stops if stop.place is not None]
    if route.hub_place is not None:
        places.append(route.hub_place)
    return DriverDay(
        day.org_id,
        day.driver_id,
        thresholds,
        day.on_shift,
        route_id=route.id,
        corridor=Corridor(list(route.path)) if len(route.path) >= 2 else None,
        planned_places=tuple(places),
        parcels_on_board=sum(s.parcel_count for s in route.stops) if route.in_progress else 0,
        time_zone=route.time_zone,
    )
