"""The routing problem, independent of any solver: orders, vehicles and the travel matrices.

Times are seconds from the day's epoch (the caller picks it, e.g. local midnight); the
matrices come from the road network and are indexed by location: `duration_s[i, j]` is
the driving time and `distance_m[i, j]` the driving distance from location `i` to `j`.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from lastmile.errors import InvalidInput

Dimension = Literal["weight_kg", "volume_m3", "parcels"]
DIMENSIONS: tuple[Dimension, ...] = ("weight_kg", "volume_m3", "parcels")
MAX_PRIORITY = 9

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Load:
    """What an order takes up in a vehicle, one quantity per capacity dimension."""

    weight_kg: float = 0.0
    volume_m3: float = 0.0
    parcels: int = 0

    def amount(self, dimension: Dimension) -> float:
        return float(getattr(self, dimension))

    def __add__(self, other: "Load") -> "Load":
        return Load(
            weight_kg=self.weight_kg + other.weight_kg,
            volume_m3=self.volume_m3 + other.volume_m3,
            parcels=self.parcels + other.parcels,
        )


@dataclass(frozen=True, slots=True)
class Capacity:
    """What a vehicle carries at most per dimension; `None` means that dimension is unlimited."""

    weight_kg: float | None = None
    volume_m3: float | None = None
    parcels: int | None = None

    def limit(self, dimension: Dimension) -> float:
        value = getattr(self, dimension)
        return math.inf if value is None else float(value)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Service must start within [start_s, end_s]; arriving earlier means waiting."""

    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class Order:
    """A delivery to make at one location.

    `windows` empty means any time. A `required` order is never dropped in favour of
    another; among optional orders the solver keeps the set with the largest summed
    `priority + 1` (0 is the lowest priority, 9 the highest) once all required ones fit.
    `skills` must all be present on the vehicle that serves it.
    """

    id: str
    location: int
    demand: Load = field(default_factory=Load)
    service_s: float = 0.0
    windows: tuple[TimeWindow, ...] = ()
    priority: int = 0
    required: bool = True
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle and its driver's shift: leaves `start_location`, returns to `end_location`.

    The route may not leave before `shift_start_s`, must be back by `shift_end_s`, and
    lasts at most `max_duration_s` from departure to return (waiting included).
    `fixed_cost_m` is the cost of using the vehicle at all, expressed in metres of driving.
    `hourly_cost_m` is what an hour of its time costs, driving or waiting, in metres of
    driving (rounded to whole metres per second): with it, and no maximum duration, the
    route leaves at the start of the shift, so that time spent waiting for a window counts.
    """

    id: str
    start_location: int
    end_location: int
    capacity: Capacity = field(default_factory=Capacity)
    shift_start_s: float = 0.0
    shift_end_s: float = math.inf
    max_duration_s: float = math.inf
    skills: frozenset[str] = frozenset()
    fixed_cost_m: float = 0.0
    hourly_cost_m: float = 0.0
    label: str = ""
    """How a person knows the vehicle (a plate, a name); messages fall back to `id`."""

    @property
    def called(self) -> str:
        return self.label or self.id

    def can_serve_skills(self, order: Order) -> bool:
        return order.skills <= self.skills


@dataclass(frozen=True, eq=False)
class Problem:
    """Orders and vehicles over square duration (s) and distance (m) matrices."""

    orders: tuple[Order, ...]
    vehicles: tuple[Vehicle, ...]
    duration_s: Matrix
    distance_m: Matrix

    def __post_init__(self) -> None:
        object.__setattr__(self, "orders", tuple(self.orders))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        object.__setattr__(self, "duration_s", _as_matrix(self.duration_s, "duration_s"))
        object.__setattr__(self, "distance_m", _as_matrix(self.distance_m, "distance_m"))
        if self.duration_s.shape != self.distance_m.shape:
            raise InvalidInput(
                "distance_m",
                f"shape {self.distance_m.shape} differs from duration_s {self.duration_s.shape}",
            )
        _validate_orders(self.orders, self.num_locations)
        _validate_vehicles(self.vehicles, self.num_locations)

    @property
    def num_locations(self) -> int:
        return int(self.duration_s.shape[0])

    @cached_property
    def orders_by_id(self) -> Mapping[str, Order]:
        return {order.id: order for order in self.orders}

    @cached_property
    def vehicles_by_id(self) -> Mapping[str, Vehicle]:
        return {vehicle.id: vehicle for vehicle in self.vehicles}


def _as_matrix(values: Matrix | Sequence[Sequence[float]], name: str) -> Matrix:
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise InvalidInput(name, f"must be a non-empty square matrix, got shape {matrix.shape}")
    if not np.isfinite(matrix).all() or (matrix < 0).any():
        raise InvalidInput(name, "entries must be finite and non-negative")
    return matrix


def _check_location(location: int, num_locations: int, field_name: str) -> None:
    if not 0 <= location < num_locations:
        raise InvalidInput(field_name, f"location {location} is outside 0..{num_locations - 1}")


def _validate_orders(orders: Sequence[Order], num_locations: int) -> None:
    seen: set[str] = set()
    for i, order in enumerate(orders):
        where = f"orders[{i}]"
        if order.id in seen:
            raise InvalidInput(f"{where}.id", f"order id {order.id!r} appears twice")
        seen.add(order.id)
        _check_location(order.location, num_locations, f"{where}.location")
        for dimension in DIMENSIONS:
            if not order.demand.amount(dimension) >= 0:
                raise InvalidInput(f"{where}.demand.{dimension}", "must be non-negative")
        if not order.service_s >= 0:
            raise InvalidInput(f"{where}.service_s", f"is {order.service_s}: must be >= 0")
        for j, window in enumerate(order.windows):
            if not window.start_s >= 0:
                raise InvalidInput(
                    f"{where}.windows[{j}]", f"starts at {window.start_s} s, before the day's epoch"
                )
            if not window.start_s <= window.end_s:
                raise InvalidInput(
                    f"{where}.windows[{j}]",
                    f"starts at {window.start_s} s, after its end {window.end_s} s",
                )
        if not 0 <= order.priority <= MAX_PRIORITY:
            raise InvalidInput(
                f"{where}.priority", f"is {order.priority}: must be within 0..{MAX_PRIORITY}"
            )


def _validate_vehicles(vehicles: Sequence[Vehicle], num_locations: int) -> None:
    seen: set[str] = set()
    for i, vehicle in enumerate(vehicles):
        where = f"vehicles[{i}]"
        if vehicle.id in seen:
            raise InvalidInput(f"{where}.id", f"vehicle id {vehicle.id!r} appears twice")
        seen.add(vehicle.id)
        _check_location(vehicle.start_location, num_locations, f"{where}.start_location")
        _check_location(vehicle.end_location, num_locations, f"{where}.end_location")
        if not vehicle.shift_start_s >= 0:
            raise InvalidInput(
                f"{where}.shift_start_s",
                f"is {vehicle.shift_start_s} s, before the day's epoch",
            )
        if not vehicle.shift_start_s <= vehicle.shift_end_s:
            raise InvalidInput(
                f"{where}.shift_start_s",
                f"is {vehicle.shift_start_s} s, after the shift end {vehicle.shift_end_s} s",
            )
        if not vehicle.max_duration_s >= 0:
            raise InvalidInput(f"{where}.max_duration_s", "must be non-negative")
        if not vehicle.fixed_cost_m >= 0:
            raise InvalidInput(f"{where}.fixed_cost_m", "must be non-negative")
        for dimension in DIMENSIONS:
            if not vehicle.capacity.limit(dimension) >= 0:
                raise InvalidInput(f"{where}.capacity.{dimension}", "must be non-negative")
