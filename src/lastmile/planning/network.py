"""A hub's day as a planning `Problem`: clock times to seconds, and the matrix from the roads.

Times are seconds from the hub's local midnight of the delivery day (so a day with a
daylight-saving change is 23 or 25 hours long, and "08:00" is still 8:00 on the wall).
Location 0 is the hub; each delivery with a position gets the next index.

The road network may answer that a pair cannot be driven (`UNREACHABLE`). A delivery that
cannot be reached from the hub, or cannot get back to it, is not on the hub's part of the
road network and is refused with its own reason instead of reaching the solver. Between two
deliveries that are both connected to the hub a path always exists (through the hub), so a
cell the engine still left unreachable is filled with that detour, logged and counted.
"""

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from lastmile.errors import InvalidInput
from lastmile.planning.problem import Capacity, Load, Matrix, Order, Problem, TimeWindow, Vehicle
from lastmile.planning.solver import Reason, Solution, Solver, Unassigned, format_clock
from lastmile.routing.network import LatLon, RoadNetwork

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_S = 86_400.0
DEPOT = 0
DRIVER_HOUR_M = 3600.0
"""What an hour of a driver's time weighs in the plan, in metres of driving: one metre a
second, so that hours of waiting between stops cost more than a short detour."""


@dataclass(frozen=True, slots=True)
class Depot:
    """The hub: where every vehicle starts and ends, and when it is open (local `HH:MM`)."""

    lat: float
    lon: float
    timezone: str = "UTC"
    opening_hours: Mapping[str, Sequence[Sequence[str]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One order to plan; `id` names it in every reason (a tracking number)."""

    id: str
    lat: float | None
    lon: float | None
    window_start: datetime | None = None
    window_end: datetime | None = None
    service_s: float = 0.0
    load: Load = field(default_factory=Load)


@dataclass(frozen=True, slots=True)
class Crew:
    """A driver with a vehicle; without its own shift it works the hub's opening hours."""

    id: str
    capacity: Capacity = field(default_factory=Capacity)
    skills: frozenset[str] = frozenset()
    shift_start: datetime | None = None
    shift_end: datetime | None = None
    label: str = ""


@dataclass(frozen=True, eq=False)
class DayProblem:
    """The solver's problem, the deliveries refused before it, and how to read times back."""

    problem: Problem
    refused: tuple[Unassigned, ...]
    day_start: datetime
    points: tuple[LatLon, ...]
    filled_via_depot: int = 0

    def at(self, seconds: float) -> datetime:
        """The UTC instant `seconds` after the day's epoch."""
        return self.day_start + timedelta(seconds=seconds)


@dataclass(frozen=True, eq=False)
class DayPlan:
    """The solver's solution (checkable against `problem`) and every order left out, with why."""

    day: DayProblem
    solution: Solution

    @property
    def unassigned(self) -> tuple[Unassigned, ...]:
        return (*self.day.refused, *self.solution.unassigned)


def local_midnight(timezone: str, day: date) -> datetime:
    """The UTC instant the day begins at the hub.

    >>> local_midnight("Europe/Helsinki", date(2026, 11, 24)).isoformat()
    '2026-11-23T22:00:00+00:00'
    """
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def opening_s(depot: Depot, day: date) -> tuple[float, float]:
    """Opening and closing of the hub on `day` in seconds from its local midnight.

    No opening hours at all means open the whole day; hours on other weekdays only
    mean the hub is closed on this one.

    >>> opening_s(Depot(0, 0, "UTC", {"tue": [["08:00", "12:00"], ["13:00", "18:00"]]}),
    ...           date(2026, 11, 24))
    (28800.0, 64800.0)
    """
    midnight = local_midnight(depot.timezone, day)
    if not depot.opening_hours:
        tomorrow = local_midnight(depot.timezone, day + timedelta(days=1))
        return 0.0, _seconds(midnight, tomorrow)
    weekday = WEEKDAYS[day.weekday()]
    spans = depot.opening_hours.get(weekday) or []
    if not spans:
        open_days = ", ".join(d for d in WEEKDAYS if depot.opening_hours.get(d))
        raise InvalidInput("date", f"{day} is a {weekday}: the hub is closed (open on {open_days})")
    zone = ZoneInfo(depot.timezone)
    opens = min(time.fromisoformat(span[0]) for span in spans)
    closes = max(time.fromisoformat(span[1]) for span in spans)
    return (
        _seconds(midnight, datetime.combine(day, opens, tzinfo=zone)),
        _seconds(midnight, datetime.combine(day, closes, tzinfo=zone)),
    )


def build_problem(
    *,
    depot: Depot,
    deliveries: Sequence[Delivery],
    crews: Sequence[Crew],
    day: date,
    network: RoadNetwork,
) -> DayProblem:
    """The planning problem of one hub's day, with the deliveries that cannot enter it."""
    midnight = local_midnight(depot.timezone, day)
    open_s, close_s = opening_s(depot, day)
    refused: list[Unassigned] = []
    placed: list[Delivery] = []
    points: list[LatLon] = [(depot.lat, depot.lon)]
    for delivery in deliveries:
        if delivery.lat is None or delivery.lon is None:
            refused.append(
                Unassigned(
                    delivery.id,
                    Reason.NO_LOCATION,
                    f"order {delivery.id} has no position (lat, lon): geocode its address",
                )
            )
        else:
            placed.append(delivery)
            points.append((delivery.lat, delivery.lon))

    matrix = network.matrix(points, points)
    duration_s = np.array(matrix.duration_s, dtype=np.float64)
    distance_m = np.array(matrix.distance_m, dtype=np.float64)

    keep = [DEPOT]
    for index, delivery in enumerate(placed, start=1):
        problems = []
        if not _finite(duration_s[DEPOT, index], distance_m[DEPOT, index]):
            problems.append("cannot be reached from the hub")
        if not _finite(duration_s[index, DEPOT], distance_m[index, DEPOT]):
            problems.append("has no way back to the hub")
        if problems:
            # The engine's own words (error codes) are for us, not for the people reading
            # the reason: they go to the log only.
            log.info(
                "order %s at (%s, %s) is off the hub's road network: out %s; back %s",
                delivery.id,
                delivery.lat,
                delivery.lon,
                matrix.reason(DEPOT, index) or "ok",
                matrix.reason(index, DEPOT) or "ok",
            )
            refused.append(
                Unassigned(
                    delivery.id,
                    Reason.NO_ROAD,
                    f"order {delivery.id} at ({delivery.lat}, {delivery.lon}) is not on the"
                    f" hub's part of the road network: it {' and '.join(problems)}",
                )
            )
        else:
            keep.append(index)

    sub = np.ix_(keep, keep)
    duration_s, distance_m = duration_s[sub], distance_m[sub]
    filled = _fill_via_depot(duration_s, distance_m)
    if filled:
        log.warning(
            "road network left %d of %d matrix cells unreachable between hub-connected stops;"
            " filled with the detour through the hub",
            filled,
            duration_s.size,
        )

    orders: list[Order] = []
    for location, index in enumerate(keep[1:], start=1):
        delivery = placed[index - 1]
        windows = _window(delivery, midnight)
        if isinstance(windows, Unassigned):
            refused.append(windows)
            continue
        orders.append(
            Order(
                id=delivery.id,
                location=location,
                demand=delivery.load,
                service_s=float(delivery.service_s),
                windows=windows,
            )
        )
    vehicles = tuple(_vehicle(crew, midnight, open_s, close_s) for crew in crews)
    problem = Problem(
        orders=tuple(orders), vehicles=vehicles, duration_s=duration_s, distance_m=distance_m
    )
    return DayProblem(
        problem=problem,
        refused=tuple(refused),
        day_start=midnight,
        points=tuple(points[i] for i in keep),
        filled_via_depot=filled,
    )


def plan_day(day: DayProblem, *, solver: Solver, time_limit_s: float) -> DayPlan:
    """Solve the day's problem; the refused deliveries join the solver's left-outs."""
    return DayPlan(day, solver.solve(day.problem, time_limit_s=time_limit_s))


def _seconds(since: datetime, until: datetime) -> float:
    return (until - since).total_seconds()


def _finite(*values: float) -> bool:
    return all(math.isfinite(float(v)) for v in values)


def _fill_via_depot(duration_s: Matrix, distance_m: Matrix) -> int:
    bad = ~(np.isfinite(duration_s) & np.isfinite(distance_m))
    count = int(bad.sum())
    if count:
        via_s = duration_s[:, [DEPOT]] + duration_s[[DEPOT], :]
        via_m = distance_m[:, [DEPOT]] + distance_m[[DEPOT], :]
        duration_s[bad] = via_s[bad]
        distance_m[bad] = via_m[bad]
    return count


def _window(delivery: Delivery, midnight: datetime) -> tuple[TimeWindow, ...] | Unassigned:
    if delivery.window_start is None and delivery.window_end is None:
        return ()
    start_s = 0.0 if delivery.window_start is None else _seconds(midnight, delivery.window_start)
    end_s = 2 * DAY_S if delivery.window_end is None else _seconds(midnight, delivery.window_end)
    if end_s < 0 or start_s > end_s:
        return Unassigned(
            delivery.id,
            Reason.UNREACHABLE_WINDOW,
            f"order {delivery.id}: its window ends at {format_clock(end_s)} relative to the"
            f" delivery day, before the day begins at the hub ({midnight.isoformat()})",
        )
    return (TimeWindow(max(0.0, start_s), end_s),)


def _vehicle(crew: Crew, midnight: datetime, open_s: float, close_s: float) -> Vehicle:
    start_s = open_s if crew.shift_start is None else max(0.0, _seconds(midnight, crew.shift_start))
    end_s = close_s if crew.shift_end is None else _seconds(midnight, crew.shift_end)
    return Vehicle(
        id=crew.id,
        start_location=DEPOT,
        end_location=DEPOT,
        capacity=crew.capacity,
        shift_start_s=start_s,
        shift_end_s=max(start_s, end_s),
        skills=crew.skills,
        hourly_cost_m=DRIVER_HOUR_M,
        label=crew.label,
    )
