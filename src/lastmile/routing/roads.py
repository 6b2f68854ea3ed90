"""Our own road layer: the imported map's road geometry in a box, simplified for a zoom level.

The geometry comes straight from the Valhalla tiles that `lastmile map import` built, so
a map drawn from it matches the roads the router uses. Valhalla keeps each edge on one
hierarchy level: 0 highways (motorway, trunk, primary), 1 arterials (secondary,
tertiary), 2 local roads; zoomed out, only the main levels are sent.
"""

import hashlib
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from valhalla.baldr import GraphId
from valhalla.baldr.utils import GraphUtils, get_tile_ids_from_bbox

from lastmile.errors import InvalidInput
from lastmile.routing.tiles import BBox, read_map_info
from lastmile.routing.valhalla import engine_config

LEVEL_NAMES: Final = ("highway", "arterial", "local")
MAX_POINTS: Final = 20_000
"""Cap on the coordinates of one answer; past it the least important roads are left out."""
MAX_SIMPLIFIED_ZOOM: Final = 18
"""Past this zoom the shapes are drawn as simplified for it (a pixel is under 30 cm)."""
MAX_SPAN_DEG: Final = 2.0
"""Widest box (in degrees, either side) answered with roads; a wider one (a map zoomed out
past where roads are worth drawing) gets none."""


@dataclass(frozen=True, eq=False)
class RoadLayer:
    """Every road of one map, deduplicated (one shape per road, not per direction)."""

    version: str
    levels: NDArray[np.int8]
    boxes: NDArray[np.float64]
    """One row per road: west, south, east, north."""
    shapes: tuple[NDArray[np.float64], ...]
    """One (n, 2) array of lon, lat per road."""
    simplified: dict[int, dict[int, NDArray[np.float64]]] = field(default_factory=dict)
    """Shapes simplified for a zoom level (zoom → road index → shape), filled as asked."""

    def shape_at(self, index: int, zoom: int) -> NDArray[np.float64]:
        """One road's shape simplified for `zoom`, computed once and kept."""
        zoom = min(zoom, MAX_SIMPLIFIED_ZOOM)
        done = self.simplified.setdefault(zoom, {})
        shape = done.get(index)
        if shape is None:
            shape = done[index] = simplify(self.shapes[index], tolerance_deg(zoom))
        return shape


def parse_bbox(raw: str) -> BBox:
    """`west,south,east,north` in degrees, checked, naming `bbox` when wrong.

    >>> parse_bbox("7.41,43.72,7.44,43.75").min_lon
    7.41
    """
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidInput("bbox", f"{raw!r} must be four numbers: west,south,east,north")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError as error:
        message = f"{raw!r} must be four numbers: west,south,east,north"
        raise InvalidInput("bbox", message) from error
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise InvalidInput("bbox", f"{raw!r} must be finite numbers")
    if not (-180.0 <= west < east <= 180.0):
        raise InvalidInput("bbox", f"west {west} must be below east {east}, within -180..180")
    if not (-90.0 <= south < north <= 90.0):
        raise InvalidInput("bbox", f"south {south} must be below north {north}, within -90..90")
    return BBox(min_lat=south, min_lon=west, max_lat=north, max_lon=east)


def levels_for_zoom(zoom: int) -> int:
    """How many hierarchy levels to draw at a zoom: highways only when far out.

    >>> [levels_for_zoom(z) for z in (9, 12, 15)]
    [1, 2, 3]
    """
    if zoom < 11:
        return 1
    if zoom < 14:
        return 2
    return 3


def tolerance_deg(zoom: int) -> float:
    """Half a screen pixel at the equator, in degrees: what simplification may remove.

    >>> round(tolerance_deg(0), 4)
    0.7031
    """
    return 360.0 / (256 * 2.0**zoom) / 2


def load_road_layer(tile_extract: Path) -> RoadLayer:
    """Read every edge shape of a tile extract (about 20 ms for Monaco's 11,000 edges)."""
    info = read_map_info(tile_extract.parent)
    graph = GraphUtils(engine_config(tile_extract))
    if info is not None and info.bbox is not None:
        area = info.bbox
        tiles = get_tile_ids_from_bbox(area.min_lon, area.min_lat, area.max_lon, area.max_lat)
    else:
        tiles = get_tile_ids_from_bbox(-180.0, -90.0, 180.0, 90.0, [0])
    seen: set[tuple[float, ...]] = set()
    levels: list[int] = []
    shapes: list[NDArray[np.float64]] = []
    for tile in tiles:
        try:
            header = graph.get_graph_tile_header(tile)
        except RuntimeError:
            continue  # the box touches a tile with no roads in it
        for index in range(header.directededgecount):
            shape = graph.get_edge_shape(GraphId(tile.tileid(), tile.level(), index))
            if len(shape) < 2:
                continue
            key = _undirected_key(shape)
            if key in seen:
                continue
            seen.add(key)
            levels.append(min(tile.level(), 2))
            shapes.append(np.asarray(shape, dtype=np.float64))
    boxes = np.array(
        [(s[:, 0].min(), s[:, 1].min(), s[:, 0].max(), s[:, 1].max()) for s in shapes],
        dtype=np.float64,
    ).reshape(-1, 4)
    version = (info.source_sha256[:16] + info.built_at.strftime("%Y%m%d%H%M%S")) if info else ""
    return RoadLayer(
        version=version or _file_version(tile_extract),
        levels=np.asarray(levels, dtype=np.int8),
        boxes=boxes,
        shapes=tuple(shapes),
    )


def too_wide(bbox: BBox) -> bool:
    """Whether `bbox` spans more than `MAX_SPAN_DEG` either way (answered with no roads).

    >>> too_wide(BBox(min_lat=0.0, min_lon=0.0, max_lat=1.0, max_lon=3.0))
    True
    """
    return bbox.max_lon - bbox.min_lon > MAX_SPAN_DEG or bbox.max_lat - bbox.min_lat > MAX_SPAN_DEG


def roads_geojson(layer: RoadLayer, bbox: BBox, zoom: int) -> dict[str, Any]:
    """The roads crossing `bbox` as a FeatureCollection, one MultiLineString per level.

    Shapes are simplified to half a pixel at `zoom` and rounded to match; the least
    important roads are dropped first when the answer would exceed `MAX_POINTS`
    (`truncated` is then true). A box wider than `MAX_SPAN_DEG` has none.
    """
    if zoom < 0 or zoom > 22:
        raise InvalidInput("zoom", f"{zoom} must be within 0..22")
    if too_wide(bbox):
        return {"type": "FeatureCollection", "features": [], "truncated": False}
    boxes = layer.boxes
    hits = (
        (boxes[:, 0] <= bbox.max_lon)
        & (boxes[:, 2] >= bbox.min_lon)
        & (boxes[:, 1] <= bbox.max_lat)
        & (boxes[:, 3] >= bbox.min_lat)
        & (layer.levels < levels_for_zoom(zoom))
    )
    digits = max(4, min(6, round(math.log10(1 / tolerance_deg(zoom))) + 1))
    lines_by_level: dict[int, list[list[list[float]]]] = {}
    points = 0
    truncated = False
    for level in range(3):
        for index in np.flatnonzero(hits & (layer.levels == level)):
            line = layer.shape_at(int(index), zoom)
            if points + len(line) > MAX_POINTS:
                truncated = True
                break
            points += len(line)
            lines_by_level.setdefault(level, []).append(np.round(line, digits).tolist())
        if truncated:
            break
    features = [
        {
            "type": "Feature",
            "properties": {"level": level, "class": LEVEL_NAMES[level]},
            "geometry": {"type": "MultiLineString", "coordinates": lines},
        }
        for level, lines in sorted(lines_by_level.items())
    ]
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


def simplify(line: NDArray[np.float64], tolerance: float) -> NDArray[np.float64]:
    """Douglas-Peucker: drop points closer than `tolerance` to the simplified line.

    >>> simplify(np.array([[0.0, 0.0], [1.0, 0.001], [2.0, 0.0]]), 0.01).tolist()
    [[0.0, 0.0], [2.0, 0.0]]
    """
    if len(line) < 3:
        return line
    keep = np.zeros(len(line), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        start, end = line[first], line[last]
        inner = line[first + 1 : last]
        direction = end - start
        length = math.hypot(direction[0], direction[1])
        if length == 0.0:
            distances = np.hypot(inner[:, 0] - start[0], inner[:, 1] - start[1])
        else:
            offsets = inner - start
            cross = direction[0] * offsets[:, 1] - direction[1] * offsets[:, 0]
            distances = np.abs(cross) / length
        farthest = int(np.argmax(distances))
        if distances[farthest] > tolerance:
            middle = first + 1 + farthest
            keep[middle] = True
            stack.extend(((first, middle), (middle, last)))
    return line[keep]


def etag(layer: RoadLayer, bbox: BBox, zoom: int) -> str:
    """A strong validator for one answer: the map's version, the box and the zoom."""
    key = f"{layer.version}|{bbox.min_lon},{bbox.min_lat},{bbox.max_lon},{bbox.max_lat}|{zoom}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


_cache_lock = threading.Lock()
_cache: dict[tuple[Path, int], RoadLayer] = {}


def cached_road_layer(tile_extract: Path) -> RoadLayer:
    """`load_road_layer`, kept per extract file until the file changes (a new import)."""
    key = (tile_extract.resolve(), tile_extract.stat().st_mtime_ns)
    with _cache_lock:
        layer = _cache.get(key)
        if layer is None:
            layer = load_road_layer(tile_extract)
            for old in [k for k in _cache if k[0] == key[0]]:
                del _cache[old]
            _cache[key] = layer
        return layer


def _undirected_key(shape: list[tuple[float, float]]) -> tuple[float, ...]:
    count = len(shape)
    ends = sorted((shape[0], shape[-1]))
    middles = sorted((shape[count // 2], shape[(count - 1) // 2]))
    return (*ends[0], *ends[1], *middles[0], *middles[1], float(count))


def _file_version(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size:x}{stat.st_mtime_ns:x}"
