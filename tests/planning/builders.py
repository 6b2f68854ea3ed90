"""Small hand-made planning problems: places on a straight road driven at 10 m/s."""

from collections.abc import Sequence

import numpy as np

from lastmile.planning.checker import check
from lastmile.planning.problem import Capacity, Order, Problem, Vehicle
from lastmile.planning.pyvrp_solver import PyVRPSolver
from lastmile.planning.solver import Solution, Solver

SPEED_MPS = 10.0


def road(positions_m: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """(duration_s, distance_m) between places at the given positions along one road."""
    positions = np.asarray(positions_m, dtype=np.float64)
    distance_m = np.abs(positions[:, None] - positions[None, :])
    return distance_m / SPEED_MPS, distance_m


def problem(
    positions_m: Sequence[float], orders: Sequence[Order], vehicles: Sequence[Vehicle]
) -> Problem:
    duration_s, distance_m = road(positions_m)
    return Problem(
        orders=tuple(orders), vehicles=tuple(vehicles), duration_s=duration_s, distance_m=distance_m
    )


def van(
    vehicle_id: str = "v1",
    *,
    depot: int = 0,
    end: int | None = None,
    capacity: Capacity | None = None,
    shift_end_s: float = 86_400.0,
    max_duration_s: float = float("inf"),
    skills: frozenset[str] = frozenset(),
) -> Vehicle:
    return Vehicle(
        id=vehicle_id,
        start_location=depot,
        end_location=depot if end is None else end,
        capacity=capacity or Capacity(weight_kg=100.0),
        shift_start_s=0.0,
        shift_end_s=shift_end_s,
        max_duration_s=max_duration_s,
        skills=skills,
    )


def solve_checked(planning_problem: Problem, *, seconds: float = 0.2) -> Solution:
    """Solve with PyVRP and fail unless the independent checker finds the plan valid."""
    solver: Solver = PyVRPSolver()
    solution = solver.solve(planning_problem, time_limit_s=seconds)
    assert check(planning_problem, solution) == []
    return solution


TINY_SOLOMON = """TINY

VEHICLE
NUMBER     CAPACITY
  3          50

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        200          0
    1      3          4         20          0         50          5
    2      6          8         20         10         80          5
    3      0         10         30          0        100          5
"""

TINY_VRPLIB = """NAME : tiny
TYPE : VRPTW
DIMENSION : 4
VEHICLES : 2
CAPACITY : 50
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
4 0 10
DEMAND_SECTION
1 0
2 20
3 20
4 30
TIME_WINDOW_SECTION
1 0 200
2 0 50
3 10 80
4 0 100
SERVICE_TIME_SECTION
1 0
2 5
3 5
4 5
DEPOT_SECTION
1
-1
EOF
"""
