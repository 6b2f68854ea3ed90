import pytest

from lastmile.planning.solver import Reason, Route, Solution, Stop, Unassigned, format_clock


def test_routes_and_solutions_sum_up() -> None:
    stop = Stop("a", arrival_s=100.0, start_s=160.0, departure_s=220.0)
    route = Route("v1", 0, 0, (stop,), start_s=50.0, end_s=400.0, distance_m=1234.5)
    solution = Solution(
        (route, Route("v2", 0, 0, (), 0.0, 0.0, 10.0)),
        (Unassigned("b", Reason.NO_SKILL, "order b needs skills"),),
    )

    assert stop.wait_s == 60.0
    assert route.duration_s == 350.0
    assert route.order_ids == ("a",)
    assert solution.distance_m == pytest.approx(1244.5)
    assert solution.vehicles_used == 2


@pytest.mark.parametrize(
    ("at_s", "text"),
    [
        (0.0, "0:00:00"),
        (3599.6, "1:00:00"),
        (2 * 86_400 + 3661, "1:01:01+2d"),
        (float("inf"), "never"),
    ],
)
def test_clock_times(at_s: float, text: str) -> None:
    assert format_clock(at_s) == text
