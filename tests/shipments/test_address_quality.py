"""Address quality on shipment create: each reason from a real case on the tiny extract."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session
from testkit.bodies import shipment_body
from testkit.osm import write_tiny_extract
from tests.common import OrgHandle

from lastmile.addresses.extract import Extract, read_extract
from lastmile.addresses.index import store
from lastmile.db import Database
from lastmile.geo import haversine_m


@pytest.fixture(scope="module")
def tiny_extract(tmp_path_factory: pytest.TempPathFactory) -> Extract:
    return read_extract(write_tiny_extract(tmp_path_factory.mktemp("osm") / "tiny.osm.pbf"))


@pytest.fixture
def indexed(session: Session, tiny_extract: Extract) -> None:
    store(session=session, extract=tiny_extract, map_name="tiny", source="tiny.osm.pbf")


def _create(client: TestClient, org: OrgHandle, text: str, **address: Any) -> dict[str, Any]:
    body = shipment_body(address={"text": text, **address})
    response = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()["address"]
    return created


def _codes(address: dict[str, Any]) -> list[str]:
    return [r["code"] for r in address["quality"]["reasons"]]


@pytest.mark.usefixtures("indexed")
def test_a_text_that_finds_the_door_gets_its_coordinates(
    client: TestClient, org: OrgHandle
) -> None:
    address = _create(client, org, "Mäkelänk. 12 B 7, 00510 Helsinki")
    assert haversine_m(address["lat"], address["lon"], 60.1951, 24.9525) < 1
    assert address["quality"]["score"] >= 90
    assert address["quality"]["reasons"] == []
    assert address["quality"]["geocoded"] is True


@pytest.mark.usefixtures("indexed")
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Mannerheimintie, Helsinki", "no_house_number"),
        ("Mannerheimintie 99", "house_number_not_found"),
        ("asdf", "street_not_found"),
        ("Kaskikatu 5", "ambiguous"),
        ("Beker 221b", "low_confidence"),
    ],
)
def test_each_reason_leaves_the_point_empty_and_says_why(
    client: TestClient, org: OrgHandle, text: str, code: str
) -> None:
    address = _create(client, org, text)
    assert _codes(address) == [code]
    assert address["quality"]["score"] < 80
    assert address["lat"] is None
    assert address["quality"]["geocoded"] is False
    assert address["quality"]["reasons"][0]["message"].endswith(".")


@pytest.mark.usefixtures("indexed")
def test_coordinates_far_from_the_text_are_kept_and_flagged(
    client: TestClient, org: OrgHandle
) -> None:
    address = _create(client, org, "Mäkelänkatu 12 B", lat=60.1702, lon=24.9383)
    assert _codes(address) == ["far_from_text"]
    assert "2.9 km" in address["quality"]["reasons"][0]["message"]
    assert (address["lat"], address["lon"]) == (60.1702, 24.9383)
    near = _create(client, org, "Mäkelänkatu 12 B", lat=60.1952, lon=24.9526)
    assert _codes(near) == []
    assert near["quality"]["geocoded"] is False


@pytest.mark.usefixtures("indexed")
def test_the_quality_is_read_back(client: TestClient, org: OrgHandle) -> None:
    body = shipment_body(address={"text": "Mannerheimintie"})
    created = client.post("/api/v1/shipments", json=body, headers=org.headers).json()
    fetched = client.get(f"/api/v1/shipments/{created['tracking_number']}", headers=org.headers)
    assert fetched.json()["address"]["quality"] == created["address"]["quality"]


def test_without_an_index_the_quality_is_unknown(client: TestClient, org: OrgHandle) -> None:
    address = _create(client, org, "Mannerheimintie 1", lat=60.17, lon=24.94)
    assert address["quality"] is None


@pytest.fixture
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.usefixtures("indexed")
def test_a_bulk_create_geocodes_in_a_few_statements_not_one_per_row(
    client: TestClient, org: OrgHandle, statements: list[str]
) -> None:
    texts = ["Mäkelänkatu 12 B", "Mannerheimintie 5", "221b Baker St", "Mannerheimintie"]
    rows = [
        shipment_body(reference=f"R-{i}", address={"text": f"{texts[i % 4]}, flat {i}"})
        for i in range(300)
    ]
    response = client.post("/api/v1/shipments/bulk", json={"shipments": rows}, headers=org.headers)
    assert response.status_code == 200, response.text
    shipments = response.json()["shipments"]
    assert [s["address"]["lat"] is not None for s in shipments[:4]] == [True, True, True, False]
    assert _codes(shipments[3]["address"]) == ["no_house_number"]
    address_queries = [s for s in statements if re.search(r"\b(FROM|JOIN) address_", s)]
    assert len(address_queries) <= 6, len(address_queries)


def test_done_when_on_the_bundled_map_a_door_gets_its_point_and_a_bare_street_is_flagged(
    client: TestClient, org: OrgHandle, session: Session, helsinki_pbf: Path
) -> None:
    """Issue #21's Done-when, on the map `lastmile map default` installs."""
    store(session=session, extract=read_extract(helsinki_pbf), map_name="helsinki", source="")
    door = _create(client, org, "Mannerheimintie 1, Helsinki")
    assert haversine_m(door["lat"], door["lon"], 60.16815, 24.94172) < 5
    assert door["quality"]["score"] >= 90
    assert door["quality"]["geocoded"] is True
    street = _create(client, org, "Mannerheimintie, Helsinki")
    assert _codes(street) == ["no_house_number"]
    assert street["lat"] is None
