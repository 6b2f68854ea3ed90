import itertools
import math
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lastmile.errors import InvalidInput
from lastmile.geo import from_local_m, haversine_m, to_local_m
from lastmile.routing import polyline
from lastmile.routing.network import (
    UNREACHABLE,
    CannotSnap,
    LatLon,
    NoRoute,
    RoutingError,
    TracePosition,
)
from lastmile.routing.valhalla import ValhallaNetwork
from lastmile.routing.valhalla_json import (
    map_match_from_response,
    matrix_from_response,
    route_from_response,
    routing_error,
    trace_request,
)

# Two addresses in Monaco: Avenue de l'Hermitage (Monte-Carlo) and Fontvieille.
MONTE_CARLO = (43.7384, 7.4246)
FONTVIEILLE = (43.7311, 7.4197)
MONACO_BOX = ((43.727, 7.410), (43.745, 7.435))


def random_points(count: int, seed: int) -> list[LatLon]:
    rng = random.Random(seed)
    (lat0, lon0), (lat1, lon1) = MONACO_BOX
    return [(rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)) for _ in range(count)]


def distance_to_polyline_m(point: LatLon, line: tuple[LatLon, ...]) -> float:
    """Shortest distance from a point to a polyline, on a local tangent plane."""
    origin = {"origin_lat": point[0], "origin_lon": point[1]}
    xy = np.array([to_local_m(lat, lon, **origin) for lat, lon in line])
    a, b = xy[:-1], xy[1:]
    ab = b - a
    length2 = np.maximum((ab**2).sum(axis=1), 1e-12)
    t = np.clip((-a * ab).sum(axis=1) / length2, 0.0, 1.0)
    nearest = a + t[:, None] * ab
    return float(np.sqrt((nearest**2).sum(axis=1)).min())


# --- pure decoders -----------------------------------------------------------


class FakeValhallaError(RuntimeError):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@pytest.mark.parametrize(
    ("code", "expected"),
    [(442, NoRoute), (170, NoRoute), (444, NoRoute), (171, CannotSnap), (154, RoutingError)],
)
def test_engine_errors_map_onto_our_tree(code: int, expected: type[RoutingError]) -> None:
    error = routing_error(FakeValhallaError(code, "engine says no"), "route a -> b")
    assert type(error) is expected
    assert "route a -> b: engine says no" in error.detail
    assert str(code) in error.detail


def concise(durations: list[list[Any]], distances_km: list[list[Any]]) -> dict[str, Any]:
    return {
        "sources_to_targets": {"durations": durations, "distances": distances_km},
        "units": "kilometers",
    }


def test_matrix_fills_an_empty_cell_from_a_route_call() -> None:
    raw = concise([[0, None], [119, 0]], [[0.0, None], [1.806, 0.0]])
    calls: list[tuple[int, int]] = []

    def route_pair(i: int, j: int) -> tuple[float, float]:
        calls.append((i, j))
        return 198.3, 2487.0

    matrix = matrix_from_response(raw, n_sources=2, n_targets=2, route_pair=route_pair)
    assert calls == [(0, 1)]
    assert matrix.duration_s.tolist() == [[0.0, 198.3], [119.0, 0.0]]
    assert matrix.distance_m.tolist() == [[0.0, 2487.0], [1806.0, 0.0]]
    assert matrix.filled_by_route == 1
    assert matrix.unreachable == ()


def test_matrix_marks_a_cell_unreachable_only_when_the_route_fails_too() -> None:
    raw = {
        "sources_to_targets": [
            [
                {"from_index": 0, "to_index": 0, "time": 0, "distance": 0.0},
                {"from_index": 0, "to_index": 1, "time": None, "distance": None},
            ]
        ],
        "units": "kilometers",
    }

    def route_pair(i: int, j: int) -> tuple[float, float]:
        raise NoRoute(f"route {i} -> {j}: No path could be found for input")

    matrix = matrix_from_response(raw, n_sources=1, n_targets=2, route_pair=route_pair)
    assert matrix.duration_s[0, 1] == UNREACHABLE
    assert matrix.distance_m[0, 1] == UNREACHABLE
    assert matrix.reason(0, 1) == "route 0 -> 1: No path could be found for input"
    assert matrix.reason(0, 0) is None
    assert not np.isnan(matrix.duration_s).any()


def test_matrix_refused_as_a_whole_is_routed_cell_by_cell() -> None:
    matrix = matrix_from_response(
        None, n_sources=2, n_targets=3, route_pair=lambda i, j: (10.0 * i + j, 100.0 * i + j)
    )
    assert matrix.duration_s.tolist() == [[0.0, 1.0, 2.0], [10.0, 11.0, 12.0]]
    assert matrix.filled_by_route == 6


def test_route_response_joins_legs_without_repeating_the_via_point() -> None:
    a, b, c = (43.7, 7.4), (43.71, 7.41), (43.72, 7.4)
    raw = {
        "trip": {
            "units": "kilometers",
            "summary": {"time": 120.5, "length": 2.5},
            "legs": [{"shape": polyline.encode([a, b])}, {"shape": polyline.encode([b, c])}],
        }
    }
    route = route_from_response(raw)
    assert route.geometry == (a, b, c)
    assert route.distance_m == 2500.0
    assert route.duration_s == 120.5
    assert polyline.decode(route.polyline6) == [a, b, c]


def test_map_match_response_converts_units_and_kinds() -> None:
    raw = {
        "units": "kilometers",
        "shape": polyline.encode([(43.7, 7.4), (43.701, 7.4)]),
        "edges": [
            {"way_id": 7, "length": 0.111, "speed": 36, "names": ["Rue"], "end_shape_index": 1}
        ],
        "matched_points": [
            {"lat": 43.7, "lon": 7.4, "type": "matched", "edge_index": 0},
            {"lat": 43.8, "lon": 7.5, "type": "unmatched", "edge_index": 0},
        ],
    }
    match = map_match_from_response(raw)
    assert match.edges[0].length_m == pytest.approx(111.0)
    assert match.edges[0].speed_mps == pytest.approx(10.0)
    assert match.distance_m == pytest.approx(111.0)
    assert [(p.kind, p.edge_index) for p in match.points] == [("matched", 0), ("unmatched", None)]


def test_trace_request_uses_times_and_the_median_accuracy() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    trace = [
        TracePosition(43.7, 7.4, start, 4.0),
        TracePosition(43.701, 7.4, start + timedelta(seconds=5), 12.0),
        TracePosition(43.702, 7.4, start + timedelta(seconds=10), 8.0),
    ]
    request = trace_request(trace, costing="auto")
    assert request["shape"][1]["time"] == start.timestamp() + 5
    assert request["trace_options"] == {"gps_accuracy": 8.0, "search_radius": 50.0}
    untimed = trace_request([TracePosition(43.7, 7.4), trace[1]], costing="auto")
    assert all("time" not in point for point in untimed["shape"])


# --- on Monaco tiles ---------------------------------------------------------


def test_route_is_positive_and_no_shorter_than_the_straight_line(monaco: ValhallaNetwork) -> None:
    route = monaco.route([MONTE_CARLO, FONTVIEILLE])
    assert route.duration_s > 0
    assert route.distance_m >= haversine_m(*MONTE_CARLO, *FONTVIEILLE)
    assert len(route.geometry) > 2
    assert polyline.decode(route.polyline6) == list(route.geometry)
    assert haversine_m(*route.geometry[0], *MONTE_CARLO) < 50


def test_matrix_has_no_empty_cell_and_agrees_with_routes(monaco: ValhallaNetwork) -> None:
    points = [(s.lat, s.lon) for s in map(monaco.snap, random_points(6, seed=5))]
    matrix = monaco.matrix(points, points[:4])
    assert matrix.duration_s.shape == (6, 4)
    assert np.isfinite(matrix.duration_s).all()
    assert np.isfinite(matrix.distance_m).all()
    for i, source in enumerate(points):
        for j, target in enumerate(points[:4]):
            if i == j:
                assert matrix.duration_s[i, j] == 0
                continue
            route = monaco.route([source, target])
            assert matrix.duration_s[i, j] == pytest.approx(route.duration_s, rel=0.1, abs=2.0)
            assert matrix.distance_m[i, j] == pytest.approx(route.distance_m, rel=0.05, abs=10.0)


def test_large_matrix_leaves_no_cell_empty(monaco: ValhallaNetwork) -> None:
    points = random_points(60, seed=1)
    matrix = monaco.matrix(points, points)
    assert not np.isnan(matrix.duration_s).any()
    assert np.isfinite(matrix.duration_s).all(), matrix.unreachable[:3]


def test_matrix_marks_a_point_off_the_map_and_keeps_the_rest(monaco: ValhallaNetwork) -> None:
    at_sea = (43.60, 7.45)
    matrix = monaco.matrix([MONTE_CARLO, at_sea], [FONTVIEILLE, MONTE_CARLO])
    assert matrix.duration_s[0, 0] > 0
    assert matrix.duration_s[0, 1] == 0
    assert math.isinf(matrix.duration_s[1, 0])
    reason = matrix.reason(1, 1)
    assert reason is not None
    assert "(43.6, 7.45)" in reason


def test_snap_lands_on_a_road(monaco: ValhallaNetwork) -> None:
    snap = monaco.snap(MONTE_CARLO)
    assert 0 < snap.distance_m < 50
    assert snap.way_id is not None
    again = monaco.snap((snap.lat, snap.lon))
    assert again.distance_m < 2.0


def test_snap_of_a_point_on_a_route_is_within_a_few_metres(monaco: ValhallaNetwork) -> None:
    route = monaco.route([MONTE_CARLO, FONTVIEILLE])
    distances_m = [monaco.snap(p).distance_m for p in route.geometry[1:-1:5]]
    # Valhalla moves a point within 5 m of an intersection onto the intersection
    # (loki's node_snap_tolerance), so "on the road" means within that.
    assert max(distances_m) <= 5.5
    assert np.median(distances_m) < 0.5


def test_snap_refuses_a_point_far_from_roads(monaco: ValhallaNetwork) -> None:
    with pytest.raises(CannotSnap, match="within 1000 m"):
        monaco.snap((43.60, 7.45))


def noisy_trace(
    geometry: tuple[LatLon, ...], *, step_m: float, noise_m: float, speed_mps: float
) -> list[TracePosition]:
    """Points every `step_m` along the geometry, blurred by `noise_m` and timed at `speed_mps`."""
    rng = random.Random(7)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    trace: list[TracePosition] = []
    travelled_m = next_m = 0.0
    for a, b in itertools.pairwise(geometry):
        segment_m = haversine_m(*a, *b)
        while segment_m > 0 and next_m <= travelled_m + segment_m:
            f = (next_m - travelled_m) / segment_m
            lat, lon = a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
            noisy = from_local_m(
                rng.gauss(0, noise_m), rng.gauss(0, noise_m), origin_lat=lat, origin_lon=lon
            )
            at = start + timedelta(seconds=next_m / speed_mps)
            trace.append(TracePosition(*noisy, at=at, accuracy_m=noise_m))
            next_m += step_m
        travelled_m += segment_m
    return trace


def test_map_match_puts_a_noisy_trace_back_on_the_road(monaco: ValhallaNetwork) -> None:
    route = monaco.route([MONTE_CARLO, FONTVIEILLE])
    speed_mps = route.distance_m / route.duration_s
    trace = noisy_trace(route.geometry, step_m=40.0, noise_m=5.0, speed_mps=speed_mps)
    assert len(trace) > 30
    match = monaco.map_match(trace)
    assert len(match.points) == len(trace)
    matched = [p for p in match.points if p.kind != "unmatched"]
    assert len(matched) >= 0.9 * len(trace)
    for point in matched:
        assert distance_to_polyline_m((point.lat, point.lon), route.geometry) < 10.0
        assert point.edge_index is not None
        assert 0 <= point.edge_index < len(match.edges)
    assert match.distance_m == pytest.approx(route.distance_m, rel=0.15)


def test_map_match_needs_two_points(monaco: ValhallaNetwork) -> None:
    with pytest.raises(InvalidInput, match="at least 2 points"):
        monaco.map_match([TracePosition(*MONTE_CARLO)])


def test_actors_are_per_thread_and_agree(monaco: ValhallaNetwork) -> None:
    pairs = list(zip(random_points(24, seed=3), random_points(24, seed=4), strict=True))
    expected = [monaco.route(list(pair)).duration_s for pair in pairs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        durations = list(pool.map(lambda pair: monaco.route(list(pair)).duration_s, pairs))
    assert durations == expected


def test_costing_is_configurable_and_shares_the_map(monaco: ValhallaNetwork) -> None:
    walking = monaco.with_costing("pedestrian")
    assert walking.costing == "pedestrian"
    assert walking.tile_extract == monaco.tile_extract
    on_foot = walking.route([MONTE_CARLO, FONTVIEILLE])
    by_car = monaco.route([MONTE_CARLO, FONTVIEILLE])
    assert on_foot.duration_s > by_car.duration_s


def test_unknown_costing_is_refused(monaco_tiles: Path) -> None:
    with pytest.raises(InvalidInput, match="costing"):
        ValhallaNetwork(monaco_tiles, costing="hovercraft")


def test_missing_tiles_fail_on_first_use(tmp_path: Path) -> None:
    network = ValhallaNetwork(tmp_path / "tiles.tar")
    with pytest.raises(RoutingError, match="does not exist"):
        network.route([MONTE_CARLO, FONTVIEILLE])


def test_latitude_out_of_range_names_the_field(monaco: ValhallaNetwork) -> None:
    with pytest.raises(InvalidInput, match=r"`points\[0\]\.lat`: 91.2 must be within"):
        monaco.route([(91.2, 7.4), FONTVIEILLE])


def test_matrix_with_a_point_beyond_the_engine_limits_keeps_the_rest(
    monaco: ValhallaNetwork,
) -> None:
    null_island = (0.0, 0.0)
    matrix = monaco.matrix([MONTE_CARLO, null_island], [FONTVIEILLE])
    assert matrix.duration_s[0, 0] > 0
    assert math.isinf(matrix.duration_s[1, 0])
    assert matrix.reason(1, 0) == "(0.0, 0.0) no road for auto within 1000 m"
