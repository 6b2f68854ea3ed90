"""GET /api/v1/map/roads: signed-in dispatchers and drivers read the imported map's roads."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.common import OrgHandle, make_org
from tests.driver_app import make_driver_day, sign_in

from lastmile.config import Settings
from lastmile.db import Database

BBOX = "7.418,43.730,7.432,43.742"


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


def test_a_dispatcher_gets_geojson_with_an_etag(client: TestClient, org: OrgHandle) -> None:
    response = client.get(
        "/api/v1/map/roads", params={"bbox": BBOX, "zoom": 16}, headers=org.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert {f["properties"]["class"] for f in body["features"]} >= {"highway", "local"}
    tag = response.headers["etag"]
    again = client.get(
        "/api/v1/map/roads",
        params={"bbox": BBOX, "zoom": 16},
        headers={**org.headers, "If-None-Match": tag},
    )
    assert again.status_code == 304
    assert again.content == b""
    zoomed_out = client.get(
        "/api/v1/map/roads",
        params={"bbox": BBOX, "zoom": 12},
        headers={**org.headers, "If-None-Match": tag},
    )
    assert zoomed_out.status_code == 200
    assert {f["properties"]["class"] for f in zoomed_out.json()["features"]} <= {
        "highway",
        "arterial",
    }


def test_a_signed_in_driver_gets_the_roads(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = sign_in(client, make_driver_day(client, db, org))
    response = client.get("/api/v1/map/roads", params={"bbox": BBOX}, headers=day.headers)
    assert response.status_code == 200, response.text
    assert response.json()["features"]


def test_anyone_else_is_refused(client: TestClient, db: Database, org: OrgHandle) -> None:
    day = sign_in(client, make_driver_day(client, db, org))
    assert client.delete("/api/v1/driver/session", headers=day.headers).status_code == 204
    for headers in ({}, {"Authorization": "Bearer lm_forged"}, day.headers):
        response = client.get("/api/v1/map/roads", params={"bbox": BBOX}, headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_the_roads_are_the_same_for_every_organisation(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """The map is the server's, not an organisation's: nothing in the answer depends on the
    caller, and the cache validator cannot tell organisations apart."""
    other = make_org(db, "Another org")
    first = client.get("/api/v1/map/roads", params={"bbox": BBOX}, headers=org.headers)
    second = client.get("/api/v1/map/roads", params={"bbox": BBOX}, headers=other.headers)
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert "private" in first.headers["cache-control"]


def test_a_box_too_wide_for_roads_answers_none(client: TestClient, org: OrgHandle) -> None:
    response = client.get(
        "/api/v1/map/roads", params={"bbox": "5.0,43.0,8.0,44.0", "zoom": 7}, headers=org.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["features"] == []


@pytest.mark.parametrize("bbox", ["7.4,43.7", "7.44,43.73,7.41,43.74", "x,1,2,3"])
def test_a_bad_bbox_is_a_problem_naming_bbox(client: TestClient, org: OrgHandle, bbox: str) -> None:
    response = client.get("/api/v1/map/roads", params={"bbox": bbox}, headers=org.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["bbox"]


def test_without_an_imported_map_the_answer_says_how_to_import_one(
    client: TestClient, org: OrgHandle, settings: Settings
) -> None:
    settings.map_name = "nowhere"
    response = client.get("/api/v1/map/roads", params={"bbox": BBOX}, headers=org.headers)
    assert response.status_code == 404
    assert "lastmile map import" in response.json()["detail"]
