import math

import pytest
from testkit.routes import point

from lastmile.geo import haversine_m, to_local_m
from lastmile.sim.motion import (
    Drive,
    Dwell,
    Jam,
    Kinematics,
    build_trajectory,
    path_length_m,
    split_at_stops,
)

T0 = 1_700_000_000.0
KIN = Kinematics(accel_mps2=1.0, brake_mps2=2.0)


def _off_line_m(lat: float, lon: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = to_local_m(*a, origin_lat=a[0], origin_lon=a[1])
    bx, by = to_local_m(*b, origin_lat=a[0], origin_lon=a[1])
    px, py = to_local_m(lat, lon, origin_lat=a[0], origin_lon=a[1])
    u = max(
        0.0,
        min(
            1.0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)
        ),
    )
    return math.hypot(ax + u * (bx - ax) - px, ay + u * (by - ay) - py)


def test_a_straight_drive_takes_cruise_time_plus_speeding_up_and_braking() -> None:
    a, b = point(0, 0), point(2000, 0)
    trajectory = build_trajectory([Drive((a, b), 10.0)], start_s=T0, start_at=a, kinematics=KIN)
    length = path_length_m([a, b])
    expected = length / 10.0 + 10.0 / (2 * 1.0) + 10.0 / (2 * 2.0)
    assert trajectory.end_s - T0 == pytest.approx(expected, rel=0.005)
    end = trajectory.state(trajectory.end_s)
    assert haversine_m(end.lat, end.lon, *b) < 0.01
    assert end.speed_mps == 0.0
    assert not end.moving


def test_positions_lie_on_the_path_and_only_move_forward() -> None:
    corner = point(800, 0)
    path = (point(0, 0), corner, point(800, 600))
    trajectory = build_trajectory([Drive(path, 12.0)], start_s=T0, start_at=path[0], kinematics=KIN)
    previous = -1.0
    for i in range(200):
        t = T0 + i * (trajectory.end_s - T0) / 199
        s = trajectory.state(t)
        off = min(
            _off_line_m(s.lat, s.lon, path[0], corner), _off_line_m(s.lat, s.lon, corner, path[2])
        )
        assert off < 0.5
        along = (
            haversine_m(*path[0], s.lat, s.lon)
            if _off_line_m(s.lat, s.lon, path[0], corner) < 0.5
            else 800 + haversine_m(*corner, s.lat, s.lon)
        )
        assert along >= previous - 0.5
        previous = along
    at_corner = min(
        (trajectory.state(T0 + k * 0.5) for k in range(int((trajectory.end_s - T0) * 2))),
        key=lambda s: haversine_m(s.lat, s.lon, *corner),
    )
    assert at_corner.speed_mps < 7.0  # half of 12 m/s at a right angle, give or take a sample
    straight = trajectory.state(T0 + 40.0)
    assert straight.speed_mps == pytest.approx(12.0)
    assert straight.heading_deg == pytest.approx(90.0, abs=0.5)


def test_dwells_stand_still_and_a_jam_slows_the_drive() -> None:
    a, b = point(0, 0), point(1000, 0)
    free = build_trajectory([Drive((a, b), 10.0)], start_s=T0, start_at=a, kinematics=KIN)
    jammed = build_trajectory(
        [Dwell(300.0, "service"), Drive((a, b), 10.0, jam=Jam(200.0, 800.0, 1.0))],
        start_s=T0,
        start_at=a,
        kinematics=KIN,
    )
    parked = jammed.state(T0 + 150.0)
    assert (parked.speed_mps, parked.moving, parked.activity) == (0.0, False, "service")
    assert jammed.end_s - T0 - 300.0 > (free.end_s - T0) + 500.0
    assert [s.kind for s in jammed.spans] == ["hub", "service", "drive"]


def test_the_same_steps_give_the_same_trajectory() -> None:
    path = (point(0, 0), point(300, 50), point(600, -80))
    one = build_trajectory([Drive(path, 9.0)], start_s=T0, start_at=path[0])
    two = build_trajectory([Drive(path, 9.0)], start_s=T0, start_at=path[0])
    assert [one.state(T0 + k) for k in range(0, 120, 7)] == [
        two.state(T0 + k) for k in range(0, 120, 7)
    ]


def test_a_route_geometry_is_cut_at_its_stops() -> None:
    hub, s1, s2 = point(0, 0), point(500, 0), point(500, 500)
    geometry = [hub, point(250, 0), s1, point(500, 250), s2, point(250, 250), hub]
    legs = split_at_stops(geometry, [s1, s2])
    assert [leg[-1] for leg in legs] == [s1, s2, hub]
    assert [leg[0] for leg in legs] == [hub, s1, s2]
    assert sum(path_length_m(leg) for leg in legs) == pytest.approx(
        path_length_m(geometry), rel=1e-4
    )


@pytest.mark.parametrize("length_m", [0.5, 3.0, 9.0, 15.0])
def test_a_very_short_drive_takes_seconds(length_m: float) -> None:
    a, b = point(0, 0), point(length_m, 0)
    trajectory = build_trajectory([Drive((a, b), 30.0)], start_s=T0, start_at=a, kinematics=KIN)
    # From rest to rest: at best accelerate half-way and brake the other half.
    least = math.sqrt(length_m / 1.0) + math.sqrt(length_m / 2.0)
    assert least * 0.9 <= trajectory.end_s - T0 <= 2 * least + 1.0
