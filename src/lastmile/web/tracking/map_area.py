"""The only area a tracking link may ask our road layer about: around what its map shows."""

from lastmile.errors import InvalidInput
from lastmile.routing.tiles import BBox
from lastmile.web.tracking.driver import LiveMap

MARGIN_DEG = 0.005
"""About 500 m around the road ahead, the destination and the driver."""


def visible_area(live: LiveMap) -> BBox | None:
    """The box around the road ahead, this stop and the driver, with a margin.

    >>> from lastmile.web.tracking.driver import LiveMap
    >>> area = visible_area(LiveMap("d", 1, None, [(43.73, 7.42)], (43.74, 7.43)))
    >>> [round(v, 3) for v in (area.min_lat, area.min_lon, area.max_lat, area.max_lon)]
    [43.725, 7.415, 43.745, 7.435]
    """
    points = list(live.road)
    if live.destination is not None:
        points.append(live.destination)
    if live.position is not None:
        points.append((live.position.lat, live.position.lon))
    if not points:
        return None
    lats = [lat for lat, _ in points]
    lons = [lon for _, lon in points]
    return BBox(
        min_lat=min(lats) - MARGIN_DEG,
        min_lon=min(lons) - MARGIN_DEG,
        max_lat=max(lats) + MARGIN_DEG,
        max_lon=max(lons) + MARGIN_DEG,
    )


def around(point: tuple[float, float]) -> BBox:
    """The box a door's map may show: the pin, with room to move it and see its street.

    >>> around((43.73, 7.42)).max_lat
    43.738
    """
    lat, lon = point
    margin = 1.6 * MARGIN_DEG
    return BBox(
        min_lat=lat - margin, min_lon=lon - margin, max_lat=lat + margin, max_lon=lon + margin
    )


def clip(asked: BBox, area: BBox) -> BBox:
    """The part of `asked` inside `area`; a box wholly outside it is refused, naming `bbox`.

    >>> clip(BBox(0, 0, 2, 2), BBox(1, 1, 3, 3))
    BBox(min_lat=1, min_lon=1, max_lat=2, max_lon=2)
    """
    clipped = BBox(
        min_lat=max(asked.min_lat, area.min_lat),
        min_lon=max(asked.min_lon, area.min_lon),
        max_lat=min(asked.max_lat, area.max_lat),
        max_lon=min(asked.max_lon, area.max_lon),
    )
    if clipped.min_lat >= clipped.max_lat or clipped.min_lon >= clipped.max_lon:
        raise InvalidInput("bbox", "is outside the area of this delivery's map")
    return clipped
