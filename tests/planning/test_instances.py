from pathlib import Path

import pytest
from tests.conftest import shared_data
from tests.planning.builders import TINY_SOLOMON, TINY_VRPLIB

from lastmile.errors import InvalidInput
from lastmile.planning.instances import read_instance
from lastmile.planning.problem import Load, TimeWindow


def test_solomon_c101_reads_into_orders_and_a_fleet() -> None:
    c101 = read_instance(shared_data("vrptw/solomon") / "C101.txt", instance_format="solomon")

    assert len(c101.orders) == 100
    assert len(c101.vehicles) == 25
    first = c101.orders_by_id["1"]
    assert (first.location, first.service_s, first.demand) == (1, 90.0, Load(weight_kg=10.0))
    assert first.windows == (TimeWindow(912.0, 967.0),)
    fleet = {(v.capacity.weight_kg, v.shift_start_s, v.shift_end_s) for v in c101.vehicles}
    assert fleet == {(200.0, 0.0, 1236.0)}
    assert c101.distance_m[0, 1] == pytest.approx(18.681541692)


@pytest.mark.parametrize(
    ("text", "instance_format"), [(TINY_SOLOMON, "solomon"), (TINY_VRPLIB, "vrplib")]
)
def test_both_formats_give_the_same_problem(
    tmp_path: Path, text: str, instance_format: str
) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text(text)

    tiny = read_instance(path, instance_format=instance_format)  # type: ignore[arg-type]

    assert [order.id for order in tiny.orders] == ["1", "2", "3"]
    assert tiny.orders_by_id["2"].windows == (TimeWindow(10.0, 80.0),)
    assert tiny.orders_by_id["3"].demand == Load(weight_kg=30.0)
    assert tiny.distance_m[0, 1] == pytest.approx(5.0)
    assert tiny.vehicles[0].capacity.weight_kg == 50.0
    assert tiny.vehicles[0].shift_end_s == 200.0


def test_a_plain_cvrp_file_has_no_windows_and_open_shifts(tmp_path: Path) -> None:
    path = tmp_path / "cvrp.vrp"
    path.write_text(
        "NAME : c\nDIMENSION : 3\nCAPACITY : 10\nEDGE_WEIGHT_TYPE : EUC_2D\n"
        "NODE_COORD_SECTION\n1 0 0\n2 1 0\n3 0 1\nDEMAND_SECTION\n1 0\n2 4\n3 5\n"
        "DEPOT_SECTION\n1\n-1\nEOF\n"
    )

    cvrp = read_instance(path, instance_format="vrplib")

    assert [order.windows for order in cvrp.orders] == [(), ()]
    assert len(cvrp.vehicles) == 2
    assert cvrp.vehicles[0].shift_end_s == float("inf")


def test_an_unreadable_file_is_invalid_input(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_text("not an instance\n")

    with pytest.raises(InvalidInput, match="cannot read"):
        read_instance(path, instance_format="solomon")
