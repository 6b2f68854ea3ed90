"""What every solver returns, and the `Solver` protocol the rest of Lastmile depends on."""

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from lastmile.planning.problem import Problem


def format_clock(at_s: float) -> str:
    """Seconds from the day's epoch as `H:MM:SS`, with `+Nd` past the first day.

    >>> format_clock(9 * 3600 + 30 * 60 + 5.4)
    '9:30:05'
    >>> format_clock(86400 + 60)
    '0:01:00+1d'
    """
    if math.isinf(at_s):
        return "never" if at_s > 0 else "any time"
    days, rest = divmod(round(at_s), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    suffix = f"{days:+d}d" if days else ""
    return f"{hours}:{minutes:02d}:{seconds:02d}{suffix}"


class Reason(StrEnum):
    """Why an order is not on any route."""

    NO_SKILL = "no_skill"
    OVER_CAPACITY = "over_capacity"
    SERVICE_TOO_LONG = "service_too_long"
    UNREACHABLE_WINDOW = "unreachable_window"
    FLEET_CAPACITY = "fleet_capacity"
    FLEET_TIME = "fleet_time"
    FLEET_FULL = "fleet_full"
    LEFT_OUT = "left_out"
    ROUTE_CAPACITY = "route_capacity"
    ROUTE_TIME = "route_time"
    NO_LOCATION = "no_location"
    NO_ROAD = "no_road"


@dataclass(frozen=True, slots=True)
class Unassigned:
    """An order left off the plan, with a reason code and a message naming the order."""

    order_id: str
    reason: Reason
    message: str


@dataclass(frozen=True, slots=True)
class Stop:
    """One planned visit: arrive, wait if early, serve from `start_s`, leave at `departure_s`."""

    order_id: str
    arrival_s: float
    start_s: float
    departure_s: float

    @property
    def wait_s(self) -> float:
        return self.start_s - self.arrival_s


@dataclass(frozen=True, slots=True)
class Route:
    """A vehicle's day: leaves its start depot at `start_s`, is back at its end depot at `end_s`.

    The depots are location indices, as in the problem's matrices.
    """

    vehicle_id: str
    start_location: int
    end_location: int
    stops: tuple[Stop, ...]
    start_s: float
    end_s: float
    distance_m: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def order_ids(self) -> tuple[str, ...]:
        return tuple(stop.order_id for stop in self.stops)


@dataclass(frozen=True, slots=True)
class Solution:
    """Non-empty routes and every order left off them."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]

    @property
    def distance_m(self) -> float:
        return sum(route.distance_m for route in self.routes)

    @property
    def vehicles_used(self) -> int:
        return len(self.routes)


class Solver(Protocol):
    """Plans routes for a problem within a wall-clock budget."""

    def solve(self, problem: Problem, *, time_limit_s: float) -> Solution: ...
