import logging
import math

import numpy as np
import pytest

from lastmile.errors import InvalidInput
from lastmile.geo import haversine_m
from lastmile.routing import fallback
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import TracePosition

HELSINKI = (60.1699, 24.9384)
ESPOO = (60.2055, 24.6559)


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fallback, "_warned", False)


@pytest.mark.usefixtures("fresh_process")
def test_warns_once_per_process_that_it_is_a_straight_line_estimate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="lastmile.routing.fallback"):
        HaversineNetwork()
        HaversineNetwork(speed_mps=5.0).route([HELSINKI, ESPOO])
    warnings = [r for r in caplog.records if r.name == "lastmile.routing.fallback"]
    assert len(warnings) == 1
    assert "straight-line" in warnings[0].getMessage()


def test_route_is_circuity_times_great_circle_at_the_speed() -> None:
    network = HaversineNetwork(speed_mps=8.0, circuity=1.3)
    route = network.route([HELSINKI, ESPOO, HELSINKI])
    straight_m = 2 * haversine_m(*HELSINKI, *ESPOO)
    assert route.distance_m == pytest.approx(1.3 * straight_m)
    assert route.duration_s == pytest.approx(1.3 * straight_m / 8.0)
    assert route.geometry == (HELSINKI, ESPOO, HELSINKI)


def test_matrix_matches_routes_and_has_zero_diagonal() -> None:
    network = HaversineNetwork()
    points = [HELSINKI, ESPOO, (60.29, 25.04)]
    matrix = network.matrix(points, points[:2])
    assert matrix.duration_s.shape == (3, 2)
    assert np.all(np.isfinite(matrix.duration_s))
    assert matrix.duration_s[0, 0] == 0.0
    assert matrix.distance_m[2, 1] == pytest.approx(network.route([points[2], ESPOO]).distance_m)
    assert matrix.unreachable == ()


def test_empty_matrix_keeps_its_shape() -> None:
    assert HaversineNetwork().matrix([], [HELSINKI]).duration_s.shape == (0, 1)


def test_snap_and_map_match_return_the_input_unchanged() -> None:
    network = HaversineNetwork()
    assert network.snap(HELSINKI).distance_m == 0.0
    match = network.map_match([TracePosition(*HELSINKI), TracePosition(*ESPOO)])
    assert match.geometry == (HELSINKI, ESPOO)
    assert [p.kind for p in match.points] == ["unmatched", "unmatched"]
    assert match.distance_m == pytest.approx(haversine_m(*HELSINKI, *ESPOO))


@pytest.mark.parametrize(("speed_mps", "circuity"), [(0.0, 1.3), (math.nan, 1.3), (8.0, 0.9)])
def test_refuses_nonsense_parameters(speed_mps: float, circuity: float) -> None:
    with pytest.raises(InvalidInput):
        HaversineNetwork(speed_mps=speed_mps, circuity=circuity)


def test_route_needs_two_points() -> None:
    with pytest.raises(InvalidInput, match="at least 2 points"):
        HaversineNetwork().route([HELSINKI])


def test_positions_off_the_globe_are_refused() -> None:
    with pytest.raises(InvalidInput, match=r"`targets\[1\]\.lon`"):
        HaversineNetwork().matrix([HELSINKI], [ESPOO, (60.0, 190.0)])
