import math

import numpy as np
import pytest
from tests.planning.builders import problem, road, van

from lastmile.errors import InvalidInput
from lastmile.planning.problem import Capacity, Load, Order, Problem, TimeWindow, Vehicle


def test_a_problem_indexes_its_orders_and_vehicles() -> None:
    planning = problem([0.0, 100.0], [Order("a", location=1)], [van("v1")])

    assert planning.num_locations == 2
    assert planning.orders_by_id["a"].location == 1
    assert planning.vehicles_by_id["v1"].end_location == 0
    assert planning.duration_s[0, 1] == pytest.approx(10.0)


def test_loads_add_up_and_capacities_default_to_unlimited() -> None:
    total = Load(weight_kg=1.5, parcels=1) + Load(volume_m3=0.25, parcels=2)

    assert total == Load(weight_kg=1.5, volume_m3=0.25, parcels=3)
    assert Capacity(weight_kg=10.0).limit("weight_kg") == 10.0
    assert math.isinf(Capacity().limit("parcels"))


@pytest.mark.parametrize(
    ("orders", "vehicles", "field"),
    [
        ([Order("a", 1), Order("a", 1)], [], "orders[1].id"),
        ([Order("a", 5)], [], "orders[0].location"),
        ([Order("a", 1, windows=(TimeWindow(10.0, 5.0),))], [], "orders[0].windows[0]"),
        ([Order("a", 1, priority=10)], [], "orders[0].priority"),
        ([Order("a", 1, demand=Load(weight_kg=-1.0))], [], "orders[0].demand.weight_kg"),
        ([Order("a", 1, service_s=-1.0)], [], "orders[0].service_s"),
        ([], [van("v"), van("v")], "vehicles[1].id"),
        ([], [Vehicle("v", start_location=0, end_location=9)], "vehicles[0].end_location"),
        (
            [],
            [Vehicle("v", 0, 0, shift_start_s=10.0, shift_end_s=5.0)],
            "vehicles[0].shift_start_s",
        ),
        ([], [Vehicle("v", 0, 0, capacity=Capacity(parcels=-1))], "vehicles[0].capacity.parcels"),
    ],
)
def test_invalid_input_names_the_field(
    orders: list[Order], vehicles: list[Vehicle], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        problem([0.0, 100.0], orders, vehicles)

    assert raised.value.field == field


def test_matrices_must_be_square_alike_and_non_negative() -> None:
    duration_s, distance_m = road([0.0, 100.0, 200.0])

    with pytest.raises(InvalidInput, match="square"):
        Problem(orders=(), vehicles=(), duration_s=np.zeros((2, 3)), distance_m=distance_m)
    with pytest.raises(InvalidInput, match="differs"):
        Problem(orders=(), vehicles=(), duration_s=duration_s, distance_m=np.zeros((2, 2)))
    with pytest.raises(InvalidInput, match="non-negative"):
        Problem(orders=(), vehicles=(), duration_s=-duration_s, distance_m=distance_m)
