"""One driver's day: the planned route played out with motion, service times and incidents.

Speeds: the route's polyline carries no road class. With a map, `road_speeds` gives each
segment its road's speed (map matching), kept relative to the leg's mean; without one a leg's
roads are alike. The leg's cruise speed is calibrated so that the kinematic model
(acceleration, braking, slowing in turns) drives the leg in the time Valhalla planned for it
(the planned arrival minus the previous departure), then scaled by the hour of day in the
hub's time zone (`traffic_factor`) and by the driver's own pace.
"""

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

from lastmile.geo import haversine_m
from lastmile.sim.incidents import DriverIncidents, Truth, at
from lastmile.sim.motion import (
    Drive,
    Dwell,
    Jam,
    Kinematics,
    LatLon,
    Step,
    Trajectory,
    TrajectoryBuilder,
    drive_duration_s,
    path_length_m,
    point_along,
    split_at_stops,
    split_path,
)

RoadSpeeds = Callable[[Sequence[LatLon]], Sequence[float] | None]
"""Free-flow speed (m/s) of the road under each segment of a path; None when unknown."""

Detour = Callable[[LatLon, LatLon, LatLon], Sequence[LatLon]]
"""The road path from A via W to B; without a map, the straight lines A → W → B."""

LOADING_S = 1200.0
UNLOADING_S = 600.0
ARRIVING_NOTICE_S = 180.0
OFF_ROUTE_M = 40.0
MIN_CRUISE_MPS = 2.0
MAX_CRUISE_MPS = 30.0
KINEMATICS = Kinematics()


@dataclass(frozen=True, slots=True)
class PlannedStop:
    tracking_number: str
    lat: float
    lon: float
    planned_arrival_s: float
    planned_departure_s: float
    window_start_s: float | None = None
    door: LatLon | None = None
    """Where the parcel is handed over, when not where the van stops (`sim.regulars`)."""


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    """A committed route as the driver's phone gets it, times in epoch seconds."""

    route_id: str
    driver_id: str
    device_id: str
    hub: LatLon
    planned_start_s: float
    planned_end_s: float
    geometry: tuple[LatLon, ...]
    stops: tuple[PlannedStop, ...]


ActionKind = Literal[
    "shift_start",
    "depart",
    "arriving",
    "arrived",
    "delivered",
    "attempted",
    "returned_to_hub",
    "shift_end",
]
"""The driver's day as `build_driver_day` scripts it uses `depart` to `returned_to_hub`; the
driver app adds its shift and the arrival at the door (`sim.actions.DriverAppActions`)."""


@dataclass(frozen=True, slots=True)
class Action:
    """Something the driver does in the app at `at_s`."""

    at_s: float
    kind: ActionKind
    route_id: str
    tracking_number: str | None = None
    reason: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(eq=False)
class DriverDay:
    route: PlannedRoute
    trajectory: Trajectory
    actions: list[Action]
    truth: list[Truth] = field(default_factory=list)

    @property
    def start_s(self) -> float:
        return self.trajectory.start_s

    @property
    def end_s(self) -> float:
        return self.trajectory.end_s


def traffic_factor(moment: datetime) -> float:
    """Speed relative to the planned one at a local hour: slower in the rush hours."""
    hour = moment.hour + moment.minute / 60.0
    if 7.0 <= hour < 9.0 or 15.5 <= hour < 18.0:
        return 0.8
    if 9.0 <= hour < 15.5:
        return 0.95
    if hour >= 22.0 or hour < 6.0:
        return 1.1
    return 1.0


def straight_detour(a: LatLon, w: LatLon, b: LatLon) -> list[LatLon]:
    return [a, w, b]


def build_driver_day(
    route: PlannedRoute,
    *,
    incidents: DriverIncidents,
    rng: random.Random,
    timezone: str = "UTC",
    detour: Detour = straight_detour,
    road_speeds: RoadSpeeds | None = None,
) -> DriverDay:
    """Play the route out: loading at the hub, each leg, service at each stop, back to the hub."""
    zone = ZoneInfo(timezone)
    legs = split_at_stops(route.geometry, [(s.lat, s.lon) for s in route.stops])
    incidents = _on_long_legs(incidents, [path_length_m(leg) for leg in legs[: len(route.stops)]])
    pace = min(1.15, max(0.85, rng.gauss(1.0, 0.05)))
    departure_delay_s = min(600.0, max(0.0, rng.gauss(180.0, 120.0)))
    start_s = route.planned_start_s - LOADING_S
    builder = TrajectoryBuilder(start_s=start_s, start_at=route.hub, kinematics=KINEMATICS)
    builder.add(Dwell(LOADING_S + departure_delay_s, "hub", "loading"))
    actions = [Action(route.planned_start_s + departure_delay_s, "depart", route.route_id)]
    truth: list[Truth] = []
    t = route.planned_start_s + departure_delay_s
    previous_departure_s = route.planned_start_s
    for index, path in enumerate(legs):
        stop = route.stops[index] if index < len(route.stops) else None
        target_s = (stop.planned_arrival_s if stop else route.planned_end_s) - previous_departure_s
        factors = _road_factors(path, road_speeds)
        cruise = _calibrated_cruise(path, target_s, factors)
        cruise *= traffic_factor(at(t).astimezone(zone)) * pace
        label = f"to {stop.tracking_number}" if stop else "back to the hub"
        leg_steps, leg_truth = _leg_steps(
            path, cruise, label, index, incidents, route, detour, stop, factors
        )
        leg_start_s = t
        for step in leg_steps:
            builder.add(step)
        t = builder.trajectory.end_s
        truth.extend(_resolve_truth(leg_truth, builder.trajectory, leg_start_s, path, route))
        if stop is None:
            break
        if incidents.late is not None and incidents.late.leg == index:
            truth.append(
                Truth(
                    "late_stop",
                    route.driver_id,
                    at(t),
                    tracking_number=stop.tracking_number,
                    lat=stop.lat,
                    lon=stop.lon,
                    detail={
                        "planned_arrival": at(stop.planned_arrival_s).isoformat(),
                        "late_s": round(t - stop.planned_arrival_s, 1),
                    },
                )
            )
        actions.append(
            Action(
                max(leg_start_s, t - ARRIVING_NOTICE_S),
                "arriving",
                route.route_id,
                stop.tracking_number,
            )
        )
        arrival_s = t
        if stop.window_start_s is not None and t < stop.window_start_s:
            builder.add(Dwell(stop.window_start_s - t, "wait", f"early for {stop.tracking_number}"))
            t = stop.window_start_s
        reason = incidents.failures.get(index)
        service_s = _service_s(rng, failed=reason is not None)
        if stop.door is None:
            builder.add(Dwell(service_s, "service", stop.tracking_number))
        else:  # at the door, then back at the van, where "delivered" is pressed
            builder.add(
                Dwell(service_s - BACK_AT_VAN_S, "service", stop.tracking_number, stop.door)
            )
            builder.add(Dwell(BACK_AT_VAN_S, "service", "back at the van", (stop.lat, stop.lon)))
        t += service_s
        kind: ActionKind = "attempted" if reason else "delivered"
        actions.append(
            Action(t, kind, route.route_id, stop.tracking_number, reason, stop.lat, stop.lon)
        )
        truth.append(
            Truth(
                "stop",
                route.driver_id,
                at(arrival_s),
                at(t),
                stop.tracking_number,
                stop.lat,
                stop.lon,
                {
                    "outcome": kind,
                    "reason": reason,
                    "planned_arrival": at(stop.planned_arrival_s).isoformat(),
                },
            )
        )
        if reason:
            truth.append(
                Truth(
                    "failed_delivery",
                    route.driver_id,
                    at(t),
                    None,
                    stop.tracking_number,
                    stop.lat,
                    stop.lon,
                    {"reason": reason},
                )
            )
        previous_departure_s = stop.planned_departure_s
    back_s = builder.trajectory.end_s
    failed = [stop for i, stop in enumerate(route.stops) if i in incidents.failures]
    actions += [
        Action(back_s, "returned_to_hub", route.route_id, stop.tracking_number, None, *route.hub)
        for stop in failed
    ]
    builder.add(Dwell(UNLOADING_S, "hub", "unloading"))
    actions.sort(key=lambda a: a.at_s)
    return DriverDay(route, builder.trajectory, actions, truth)


MIN_INCIDENT_LEG_M = 300.0


def _on_long_legs(incidents: DriverIncidents, lengths: list[float]) -> DriverIncidents:
    """Move a halt, detour or jam scripted on a very short leg to the longest other leg."""

    def usable(leg: int) -> int:
        if leg < len(lengths) and lengths[leg] >= MIN_INCIDENT_LEG_M:
            return leg
        candidates = range(1, len(lengths)) if len(lengths) > 1 else range(len(lengths))
        return max(candidates, key=lambda k: lengths[k], default=leg)

    return replace(
        incidents,
        halt=replace(incidents.halt, leg=usable(incidents.halt.leg)) if incidents.halt else None,
        deviation=replace(incidents.deviation, leg=usable(incidents.deviation.leg))
        if incidents.deviation
        else None,
        late=replace(incidents.late, leg=usable(incidents.late.leg)) if incidents.late else None,
    )


@dataclass(frozen=True, slots=True)
class _PendingTruth:
    kind: Literal["halt", "deviation"]
    planned_path: tuple[LatLon, ...]
    detail: dict[str, float]


def _leg_steps(
    path: list[LatLon],
    cruise: float,
    label: str,
    index: int,
    incidents: DriverIncidents,
    route: PlannedRoute,
    detour: Detour,
    stop: PlannedStop | None,
    factors: tuple[float, ...] | None,
) -> tuple[list[Step], list[_PendingTruth]]:
    length = path_length_m(path)
    pending: list[_PendingTruth] = []
    driven = path
    if incidents.deviation is not None and incidents.deviation.leg == index and length > 100:
        dev = incidents.deviation
        driven = _detoured(path, length, dev.from_fraction, dev.to_fraction, dev.offset_m, detour)
        pending.append(_PendingTruth("deviation", tuple(path), {"offset_m": dev.offset_m}))
    jam = None
    if incidents.late is not None and incidents.late.leg == index:
        driven_m = path_length_m(driven)
        jam_m = 0.8 * driven_m
        speed = max(0.5, jam_m / (incidents.late.delay_s + jam_m / cruise))
        jam = Jam(0.1 * driven_m, 0.9 * driven_m, speed)
    if incidents.halt is not None and incidents.halt.leg == index and length > 50:
        halt = incidents.halt
        first, second = split_path(driven, halt.fraction * path_length_m(driven))
        where = first[-1]
        pending.append(_PendingTruth("halt", tuple(path), {"planned_s": halt.duration_s}))
        return [
            Drive(tuple(first), cruise, label, jam),
            Dwell(halt.duration_s, "halt", "unscheduled halt", where),
            Drive(tuple(second), cruise, label),
        ], pending
    if driven is path:
        return [Drive(tuple(driven), cruise, label, jam, factors)], pending
    return [Drive(tuple(driven), cruise, label, jam)], pending


def _detoured(
    path: list[LatLon], length: float, from_f: float, to_f: float, offset_m: float, detour: Detour
) -> list[LatLon]:
    before, rest = split_path(path, from_f * length)
    _, after = split_path(rest, (to_f - from_f) * length)
    a, b = before[-1], after[0]
    mid = point_along(path, (from_f + to_f) / 2 * length)
    east = (b[1] - a[1]) * math.cos(math.radians(a[0]))
    north = b[0] - a[0]
    norm = math.hypot(east, north) or 1.0
    metres_per_deg = 111_195.0
    waypoint = (
        mid[0] + offset_m * (east / norm) / metres_per_deg,
        mid[1] - offset_m * (north / norm) / (metres_per_deg * math.cos(math.radians(mid[0]))),
    )
    try:
        way = list(detour(a, waypoint, b))
    except Exception:  # the map may not reach the waypoint: fall back to straight lines
        way = straight_detour(a, waypoint, b)
    return [*before[:-1], *way, *after[1:]]


def _resolve_truth(
    pending: list[_PendingTruth],
    trajectory: Trajectory,
    leg_start_s: float,
    planned_path: list[LatLon],
    route: PlannedRoute,
) -> list[Truth]:
    found: list[Truth] = []
    for item in pending:
        if item.kind == "halt":
            span = next(s for s in reversed(trajectory.spans) if s.kind == "halt")
            nearest = min(
                (_metres((span.lat, span.lon), (s.lat, s.lon)) for s in route.stops), default=0.0
            )
            found.append(
                Truth(
                    "halt",
                    route.driver_id,
                    at(span.start_s),
                    at(span.end_s),
                    lat=span.lat,
                    lon=span.lon,
                    detail={"nearest_stop_m": round(nearest, 1)},
                )
            )
        else:
            off = _off_route(trajectory, leg_start_s, trajectory.end_s, planned_path)
            if off is not None:
                start, end, worst = off
                found.append(
                    Truth(
                        "deviation",
                        route.driver_id,
                        at(start),
                        at(end),
                        detail={"max_off_route_m": round(worst, 1), **item.detail},
                    )
                )
    return found


def _off_route(
    trajectory: Trajectory, start_s: float, end_s: float, path: Sequence[LatLon]
) -> tuple[float, float, float] | None:
    """The first stretch of time the vehicle is more than `OFF_ROUTE_M` from the path."""
    times = np.arange(start_s, end_s, 2.0)
    origin = path[0]
    k = math.cos(math.radians(origin[0])) * 111_195.0
    px = np.array([(p[1] - origin[1]) * k for p in path])
    py = np.array([(p[0] - origin[0]) * 111_195.0 for p in path])
    off: list[float] = []
    for t in times:
        s = trajectory.state(float(t))
        off.append(
            _distance_to_path((s.lon - origin[1]) * k, (s.lat - origin[0]) * 111_195.0, px, py)
        )
    distances = np.array(off)
    outside = np.flatnonzero(distances > OFF_ROUTE_M)
    if not len(outside):
        return None
    first = int(outside[0])
    last = first
    while last + 1 < len(distances) and distances[last + 1] > OFF_ROUTE_M:
        last += 1
    return float(times[first]), float(times[last]), float(distances[first : last + 1].max())


def _distance_to_path(x: float, y: float, px: np.ndarray, py: np.ndarray) -> float:
    if len(px) < 2:
        return float(math.hypot(x - px[0], y - py[0]))
    ax, ay, bx, by = px[:-1], py[:-1], px[1:], py[1:]
    dx, dy = bx - ax, by - ay
    denom = np.maximum(dx * dx + dy * dy, 1e-9)
    u = np.clip(((x - ax) * dx + (y - ay) * dy) / denom, 0.0, 1.0)
    return float(np.hypot(ax + u * dx - x, ay + u * dy - y).min())


def _metres(a: LatLon, b: LatLon) -> float:
    k = math.cos(math.radians(a[0])) * 111_195.0
    return math.hypot((a[1] - b[1]) * k, (a[0] - b[0]) * 111_195.0)


def _road_factors(path: list[LatLon], road_speeds: RoadSpeeds | None) -> tuple[float, ...] | None:
    """Each segment's road speed relative to the leg's length-weighted mean."""
    speeds = road_speeds(path) if road_speeds and len(path) > 1 else None
    if not speeds or len(speeds) != len(path) - 1 or min(speeds) <= 0:
        return None
    lengths = [haversine_m(a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(path)]
    total = sum(lengths)
    if total <= 0:
        return None
    mean = sum(v * w for v, w in zip(speeds, lengths, strict=True)) / total
    return tuple(v / mean for v in speeds)


def _calibrated_cruise(
    path: list[LatLon], target_s: float, factors: tuple[float, ...] | None = None
) -> float:
    """The cruise speed at which the kinematic model drives `path` in `target_s`."""
    length = path_length_m(path)
    if length <= 0 or target_s <= 0:
        return 8.0
    guess = min(MAX_CRUISE_MPS, max(MIN_CRUISE_MPS, 1.2 * length / target_s))
    taken = drive_duration_s(Drive(tuple(path), guess, road_factors=factors), KINEMATICS)
    return min(MAX_CRUISE_MPS, max(MIN_CRUISE_MPS, guess * taken / target_s))


BACK_AT_VAN_S = 20.0
"""At a stop whose door is away from the van: the last seconds of the service, at the van."""


def _service_s(rng: random.Random, *, failed: bool) -> float:
    """Time at a stop: lognormal, median 2.5 min (4 min when nobody answers), 45 s to 15 min."""
    median = 240.0 if failed else 150.0
    return min(900.0, max(45.0, rng.lognormvariate(math.log(median), 0.5)))
