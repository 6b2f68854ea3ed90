"""Small spherical-earth geometry used across packages (metres, degrees)."""

import math

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres.

    >>> round(haversine_m(60.1699, 24.9384, 60.1699, 24.9484))
    553
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from the first point to the second, clockwise from north, 0..360.

    >>> round(bearing_deg(0.0, 0.0, 1.0, 0.0))
    0
    >>> round(bearing_deg(0.0, 0.0, 0.0, 1.0))
    90
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def to_local_m(
    lat: float, lon: float, *, origin_lat: float, origin_lon: float
) -> tuple[float, float]:
    """Project onto a local tangent plane around the origin: (east_m, north_m).

    Accurate to well under a metre within a city (tens of kilometres).

    >>> e, n = to_local_m(60.0, 25.001, origin_lat=60.0, origin_lon=25.0)
    >>> round(e, 1), round(n, 1)
    (55.6, 0.0)
    """
    north_m = math.radians(lat - origin_lat) * EARTH_RADIUS_M
    east_m = math.radians(lon - origin_lon) * EARTH_RADIUS_M * math.cos(math.radians(origin_lat))
    return east_m, north_m


def from_local_m(
    east_m: float, north_m: float, *, origin_lat: float, origin_lon: float
) -> tuple[float, float]:
    """Inverse of `to_local_m`: (lat, lon) of a point given in metres east and north of the origin.

    >>> lat, lon = from_local_m(55.6, 0.0, origin_lat=60.0, origin_lon=25.0)
    >>> round(lat, 6), round(lon, 4)
    (60.0, 25.001)
    """
    lat = origin_lat + math.degrees(north_m / EARTH_RADIUS_M)
    lon = origin_lon + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(origin_lat))))
    return lat, lon
