"""Our road layer read from Monaco's tiles: deduplicated, cut to a box, simplified by zoom."""

from pathlib import Path

import numpy as np
import pytest

from lastmile.errors import InvalidInput
from lastmile.routing import roads
from lastmile.routing.tiles import BBox

# The Port Hercule / Monte Carlo area, well inside the extract.
CENTRE = BBox(min_lat=43.730, min_lon=7.418, max_lat=43.742, max_lon=7.432)


@pytest.fixture(scope="module")
def layer(monaco_tiles: Path) -> roads.RoadLayer:
    return roads.load_road_layer(monaco_tiles)


def _lines(collection: dict[str, object], level: int | None = None) -> list[list[list[float]]]:
    features = collection["features"]
    assert isinstance(features, list)
    return [
        line
        for feature in features
        if level is None or feature["properties"]["level"] == level
        for line in feature["geometry"]["coordinates"]
    ]


def test_every_road_is_kept_once_not_once_per_direction(layer: roads.RoadLayer) -> None:
    assert len(layer.shapes) > 1000
    assert set(np.unique(layer.levels)) <= {0, 1, 2}
    assert {0, 2} <= set(np.unique(layer.levels))
    ends = {
        (tuple(shape[0]), tuple(shape[-1]), len(shape)) for shape in layer.shapes if len(shape) > 2
    }
    reversed_twins = [key for key in ends if (key[1], key[0], key[2]) in ends and key[0] != key[1]]
    assert len(reversed_twins) < len(ends) * 0.02


def test_a_close_view_has_local_roads_inside_the_box(layer: roads.RoadLayer) -> None:
    found = roads.roads_geojson(layer, CENTRE, 16)
    assert found["type"] == "FeatureCollection"
    assert found["truncated"] is False
    local = _lines(found, 2)
    assert len(local) > 50
    for line in _lines(found):
        lons = [p[0] for p in line]
        lats = [p[1] for p in line]
        assert max(lons) >= CENTRE.min_lon
        assert min(lons) <= CENTRE.max_lon
        assert max(lats) >= CENTRE.min_lat
        assert min(lats) <= CENTRE.max_lat


def test_zoomed_out_only_main_roads_are_sent_with_fewer_points(layer: roads.RoadLayer) -> None:
    close = roads.roads_geojson(layer, CENTRE, 16)
    far = roads.roads_geojson(layer, CENTRE, 12)
    assert _lines(far, 2) == []
    assert _lines(far, 0)
    points = lambda found: sum(len(line) for line in _lines(found, 0))  # noqa: E731
    assert points(far) < points(close)


def test_the_answer_is_capped_dropping_local_roads_first(
    layer: roads.RoadLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = roads.roads_geojson(layer, CENTRE, 18)
    total = sum(len(line) for line in _lines(whole))
    monkeypatch.setattr(roads, "MAX_POINTS", total // 2)
    capped = roads.roads_geojson(layer, CENTRE, 18)
    assert capped["truncated"] is True
    assert sum(len(line) for line in _lines(capped)) <= total // 2
    assert _lines(capped, 0) == _lines(whole, 0)


def test_a_box_away_from_the_map_is_empty(layer: roads.RoadLayer) -> None:
    far = BBox(min_lat=60.0, min_lon=24.0, max_lat=60.1, max_lon=24.1)
    assert roads.roads_geojson(layer, far, 15)["features"] == []


def test_the_etag_changes_with_box_and_zoom(layer: roads.RoadLayer) -> None:
    tag = roads.etag(layer, CENTRE, 15)
    assert tag == roads.etag(layer, CENTRE, 15)
    assert tag != roads.etag(layer, CENTRE, 16)
    other = BBox(CENTRE.min_lat, CENTRE.min_lon, CENTRE.max_lat + 0.001, CENTRE.max_lon)
    assert tag != roads.etag(layer, other, 15)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1,2,3",
        "a,b,c,d",
        "7.44,43.7,7.41,43.75",
        "7.41,43.75,7.44,43.7",
        "nan,0,1,1",
    ],
)
def test_a_wrong_bbox_names_bbox(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        roads.parse_bbox(raw)
    assert caught.value.field == "bbox"


def test_a_box_wider_than_the_limit_has_no_roads(layer: roads.RoadLayer) -> None:
    """Monaco's roads are inside it, but a map zoomed out that far draws none."""
    wide = roads.parse_bbox("6.0,43.0,8.5,44.0")
    assert roads.roads_geojson(layer, wide, 8) == {
        "type": "FeatureCollection",
        "features": [],
        "truncated": False,
    }
    assert roads.roads_geojson(layer, roads.parse_bbox("6.5,43.0,8.4,44.0"), 15)["features"]


def test_simplify_keeps_the_ends_and_the_corners() -> None:
    line = np.array([[0.0, 0.0], [0.5, 0.00001], [1.0, 0.0], [1.0, 1.0]])
    assert roads.simplify(line, 0.001).tolist() == [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]
