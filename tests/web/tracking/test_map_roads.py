"""GET /t/{token}/roads: a tracking link reads our road layer only around what its map shows."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.web.tracking.scenario import route_in_progress, stop_location

from lastmile.config import Settings
from lastmile.db import Database
from lastmile.routing import roads
from lastmile.routing.tiles import BBox
from lastmile.web.tracking.map_area import MARGIN_DEG


@pytest.fixture
def settings(monaco_tiles: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=monaco_tiles.parents[2],
        map_name="monaco",
        public_url="http://testserver",
        run_workers=False,
    )


def _map_data(html: str) -> Any:
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def _around(lat: float, lon: float, half_deg: float) -> str:
    return f"{lon - half_deg},{lat - half_deg},{lon + half_deg},{lat + half_deg}"


def test_a_wide_box_is_cut_to_the_area_of_this_delivery(
    client: TestClient, db: Database, org: OrgHandle, monaco_tiles: Path
) -> None:
    scenario = route_in_progress(client, db, org)
    lat, lon = stop_location(0)
    response = client.get(f"{scenario.path(0)}/roads", params={"bbox": _around(lat, lon, 0.5)})
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "FeatureCollection"
    shown = _map_data(client.get(scenario.path(0)).text)
    points = [*shown["road"], shown["destination"]]
    points.append([shown["position"]["lat"], shown["position"]["lon"]])
    area = BBox(
        min_lat=min(p[0] for p in points) - MARGIN_DEG,
        min_lon=min(p[1] for p in points) - MARGIN_DEG,
        max_lat=max(p[0] for p in points) + MARGIN_DEG,
        max_lon=max(p[1] for p in points) + MARGIN_DEG,
    )
    layer = roads.cached_road_layer(monaco_tiles)
    assert response.headers["etag"] == roads.etag(layer, area, 15)
    whole = roads.etag(layer, roads.parse_bbox(_around(lat, lon, 0.5)), 15)
    assert response.headers["etag"] != whole


def test_a_box_away_from_the_delivery_is_refused_naming_bbox(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org)
    response = client.get(f"{scenario.path(0)}/roads", params={"bbox": "7.41,43.72,7.44,43.75"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["bbox"]


def test_a_link_whose_map_is_hidden_or_unknown_gets_nothing(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    scenario = route_in_progress(client, db, org)
    lat, lon = stop_location(3)
    box = {"bbox": _around(lat, lon, 0.01)}
    hidden = client.get(f"{scenario.path(3)}/roads", params=box)
    assert hidden.status_code == 404
    assert client.get("/t/not-a-token/roads", params=box).status_code == 404
