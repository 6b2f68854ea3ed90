"""Vehicle routing with time windows, capacities and skills: orders and vehicles in, routes out."""

from lastmile.planning.checker import check
from lastmile.planning.insertion import Inserted, insert_order
from lastmile.planning.problem import (
    DIMENSIONS,
    Capacity,
    Load,
    Order,
    Problem,
    TimeWindow,
    Vehicle,
)
from lastmile.planning.pyvrp_solver import PyVRPSolver
from lastmile.planning.solver import Reason, Route, Solution, Solver, Stop, Unassigned

__all__ = [
    "DIMENSIONS",
    "Capacity",
    "Inserted",
    "Load",
    "Order",
    "Problem",
    "PyVRPSolver",
    "Reason",
    "Route",
    "Solution",
    "Solver",
    "Stop",
    "TimeWindow",
    "Unassigned",
    "Vehicle",
    "check",
    "insert_order",
]
