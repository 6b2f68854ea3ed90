from collections.abc import Sequence

from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import LatLon, NoRoute, Route
from lastmile.routing.paths import road_path

HUB = (60.1699, 24.9384)
A = (60.1750, 24.9400)
B = (60.1800, 24.9500)


class PickyEngine(HaversineNetwork):
    """Routes two points at a time only, and never from A to B (as Valhalla may refuse)."""

    def route(self, points: Sequence[LatLon]) -> Route:
        if len(points) > 2 or (points[0], points[-1]) == (A, B):
            raise NoRoute("No path could be found for input")
        return super().route(points)


def test_a_path_the_engine_routes_in_one_call_is_its_geometry() -> None:
    network = HaversineNetwork()
    assert road_path(network, [HUB, A, B, HUB]) == network.route([HUB, A, B, HUB]).geometry


def test_a_refused_multi_stop_call_is_routed_leg_by_leg_through_every_point() -> None:
    network = PickyEngine()
    path = road_path(network, [HUB, A, B, HUB])

    first = network.route([HUB, A]).geometry
    last = network.route([B, HUB]).geometry
    assert path == (*first, B, *last[1:])
