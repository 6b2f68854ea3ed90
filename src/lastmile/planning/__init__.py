"""Vehicle routing with time windows, capacities and skills: orders and vehicles in, routes out."""

from typing import TYPE_CHECKING

from lastmile.lazy import lazy_attributes

if TYPE_CHECKING:
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

# Imported when first used: the solver and the routing engine are slow to load, and a command
# that needs neither (`lastmile --help`) must not wait for them.
__getattr__ = lazy_attributes(
    __name__, modules=["problem", "solver", "checker", "insertion", "pyvrp_solver"], names=__all__
)
