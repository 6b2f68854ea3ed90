"""Benchmark instances (Solomon, VRPLIB) read with `vrplib` into the problem model.

Instance units map one to one: a time unit is a second, a distance unit a metre, a
demand unit a kilogram. Travel time equals the Euclidean distance, unrounded, as in the
literature's distance-only best-known values. Location `i` is the instance's node `i`
(0 the depot), and order ids are the node numbers as text.
"""

from pathlib import Path
from typing import Any, Literal

import numpy as np
import vrplib

from lastmile.errors import InvalidInput
from lastmile.planning.problem import Capacity, Load, Order, Problem, TimeWindow, Vehicle

InstanceFormat = Literal["solomon", "vrplib"]


def read_instance(path: Path, *, instance_format: InstanceFormat) -> Problem:
    """The problem in a Solomon or VRPLIB file."""
    try:
        raw = vrplib.read_instance(path, instance_format=instance_format)
    except (OSError, ValueError, RuntimeError, KeyError, IndexError) as error:
        raise InvalidInput(
            "instance", f"cannot read {path} as {instance_format}: {error}"
        ) from error
    return from_vrplib_dict(raw)


def from_vrplib_dict(raw: dict[str, Any]) -> Problem:
    """The problem in `vrplib.read_instance`'s output (either format)."""
    if "edge_weight" not in raw:
        raise InvalidInput("instance", "has no edge weights and no coordinates to compute them")
    matrix = np.asarray(raw["edge_weight"], dtype=np.float64)
    num_locations = matrix.shape[0]
    depots = [int(d) for d in np.atleast_1d(raw.get("depot", np.array([0])))]
    demand = _per_location(raw.get("demand", 0), num_locations)
    service = _per_location(raw.get("service_time", 0), num_locations)
    windows = raw.get("time_window")

    orders = tuple(
        Order(
            id=str(i),
            location=i,
            demand=Load(weight_kg=float(demand[i])),
            service_s=float(service[i]),
            windows=() if windows is None else (TimeWindow(*map(float, windows[i])),),
        )
        for i in range(num_locations)
        if i not in depots
    )
    num_vehicles = int(raw.get("vehicles", len(orders)))
    capacities = _per_location(raw.get("capacity", np.inf), num_vehicles)
    vehicle_depots = np.asarray(raw.get("vehicles_depot", np.full(num_vehicles, depots[0] + 1))) - 1
    vehicles = []
    for v in range(num_vehicles):
        depot = int(vehicle_depots[v])
        shift_start_s, shift_end_s = (
            (0.0, np.inf) if windows is None else map(float, windows[depot])
        )
        capacity = float(capacities[v])
        vehicles.append(
            Vehicle(
                id=f"v{v + 1}",
                start_location=depot,
                end_location=depot,
                capacity=Capacity(weight_kg=None if np.isinf(capacity) else capacity),
                shift_start_s=shift_start_s,
                shift_end_s=shift_end_s,
            )
        )
    return Problem(orders=orders, vehicles=tuple(vehicles), duration_s=matrix, distance_m=matrix)


def _per_location(value: Any, size: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A scalar field broadcast to every index, or the per-index array as given."""
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (size,))
