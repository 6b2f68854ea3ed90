"""The road network: routes, travel-time matrices, map matching and snapping.

`open_network` gives Valhalla on a built map, or the straight-line fallback.
"""

from typing import TYPE_CHECKING

from lastmile.lazy import lazy_attributes

if TYPE_CHECKING:
    from lastmile.routing.fallback import HaversineNetwork
    from lastmile.routing.maps import DEFAULT_MAP, ensure_default_map, map_centre, open_network
    from lastmile.routing.network import (
        UNREACHABLE,
        CannotSnap,
        ComponentVerdict,
        LatLon,
        MapMatch,
        MatchedEdge,
        MatchedPoint,
        Matrix,
        NoRoute,
        RoadNetwork,
        Route,
        RoutingError,
        Snap,
        TracePoint,
        TracePosition,
        UnreachablePair,
        largest_component_check,
    )
    from lastmile.routing.tiles import build_tiles
    from lastmile.routing.valhalla import ValhallaNetwork

__all__ = [
    "DEFAULT_MAP",
    "UNREACHABLE",
    "CannotSnap",
    "ComponentVerdict",
    "HaversineNetwork",
    "LatLon",
    "MapMatch",
    "MatchedEdge",
    "MatchedPoint",
    "Matrix",
    "NoRoute",
    "RoadNetwork",
    "Route",
    "RoutingError",
    "Snap",
    "TracePoint",
    "TracePosition",
    "UnreachablePair",
    "ValhallaNetwork",
    "build_tiles",
    "ensure_default_map",
    "largest_component_check",
    "map_centre",
    "open_network",
]

# Imported when first used: the solver and the routing engine are slow to load, and a command
# that needs neither (`lastmile --help`) must not wait for them.
__getattr__ = lazy_attributes(
    __name__, modules=["network", "fallback", "maps", "tiles", "valhalla"], names=__all__
)
