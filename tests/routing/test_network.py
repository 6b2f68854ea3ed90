import math
from collections.abc import Sequence

import numpy as np

from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.maps import map_centre
from lastmile.routing.network import (
    UNREACHABLE,
    LatLon,
    Matrix,
    UnreachablePair,
    largest_component_check,
)
from lastmile.routing.valhalla import ValhallaNetwork

HUB = (60.17, 24.94)
ISLAND = (60.15, 24.99)
ONE_WAY_OUT = (60.18, 24.93)


class ClippedMap(HaversineNetwork):
    """Straight lines, except that ISLAND is cut off and ONE_WAY_OUT can be left but not reached."""

    def matrix(self, sources: Sequence[LatLon], targets: Sequence[LatLon]) -> Matrix:
        matrix = super().matrix(sources, targets)
        unreachable = []
        for i, source in enumerate(sources):
            for j, target in enumerate(targets):
                if (ISLAND in (source, target) and source != target) or target == ONE_WAY_OUT:
                    matrix.duration_s[i, j] = matrix.distance_m[i, j] = UNREACHABLE
                    unreachable.append(UnreachablePair(i, j, "No path could be found"))
        return Matrix(matrix.duration_s, matrix.distance_m, tuple(unreachable))


def test_component_check_flags_points_that_cannot_go_both_ways() -> None:
    verdicts = largest_component_check(
        ClippedMap(), [(60.16, 24.95), ISLAND, ONE_WAY_OUT], reference=HUB
    )
    assert [v.ok for v in verdicts] == [True, False, False]
    assert verdicts[0].reason is None
    island_reason = verdicts[1].reason or ""
    assert "cannot be reached from" in island_reason
    assert "cannot reach" in island_reason
    assert verdicts[2].reason == f"cannot be reached from {HUB}: No path could be found"


def test_component_check_of_no_points() -> None:
    assert largest_component_check(HaversineNetwork(), [], reference=HUB) == []


def test_matrix_reason_is_none_for_a_reachable_pair() -> None:
    matrix = Matrix(np.zeros((1, 1)), np.zeros((1, 1)))
    assert matrix.reason(0, 0) is None
    assert math.isinf(UNREACHABLE)


def test_every_point_of_a_whole_city_is_on_the_main_component(monaco: ValhallaNetwork) -> None:
    data_dir = monaco.tile_extract.parents[2]
    centre = map_centre(data_dir, "monaco")
    assert centre is not None
    stops = [(43.7384, 7.4246), (43.7311, 7.4197), (43.7442, 7.4281)]
    verdicts = largest_component_check(monaco, stops, reference=centre)
    assert all(v.ok for v in verdicts), verdicts
