"""Synthetic routes on a flat grid for the simulator's tests (no map needed)."""

from lastmile.geo import from_local_m
from lastmile.sim.driver import PlannedRoute, PlannedStop

ORIGIN = (60.17, 24.94)
START_S = 1_700_000_000.0


def point(east_m: float, north_m: float) -> tuple[float, float]:
    return from_local_m(east_m, north_m, origin_lat=ORIGIN[0], origin_lon=ORIGIN[1])


def grid_route(stops: int = 4, leg_m: float = 1500.0) -> PlannedRoute:
    """Hub at the origin; each stop `leg_m` further along an L-shaped staircase, then home."""
    corners = [point(0.0, 0.0)]
    stop_points = []
    east = north = 0.0
    for i in range(stops):
        if i % 2 == 0:
            east += leg_m / 2
            corners.append(point(east, north))
            north += leg_m / 2
        else:
            north += leg_m / 2
            corners.append(point(east, north))
            east += leg_m / 2
        corners.append(point(east, north))
        stop_points.append(point(east, north))
    corners.append(point(east, 0.0))
    corners.append(point(0.0, 0.0))
    planned = []
    t = START_S
    for i, (lat, lon) in enumerate(stop_points):
        t += leg_m / 8.0
        planned.append(PlannedStop(f"TN{i}", lat, lon, t, t + 150.0))
        t += 150.0
    return PlannedRoute(
        route_id="route-1",
        driver_id="driver-1",
        device_id="phone-1",
        hub=corners[0],
        planned_start_s=START_S,
        planned_end_s=t + 2 * leg_m / 8.0,
        geometry=tuple(corners),
        stops=tuple(planned),
    )
