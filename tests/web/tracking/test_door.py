""" "Is this your door?" on the tracking page: confirm or move the pin before dispatch, only
through this shipment's own link, at most 300 m from the address, audited as the customer."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.address_index import indexed, tiny_extract
from tests.common import OrgHandle, create_shipment, post_event
from tests.web.tracking.test_forms import _path, _secret

from lastmile.audit.models import AuditEntry
from lastmile.db import Database

__all__ = ["indexed", "tiny_extract"]

DOOR = (60.1951, 24.9525)  # Mäkelänkatu 12 B on the tiny map


def _api(client: TestClient, org: OrgHandle, shipment: dict[str, str]) -> dict[str, object]:
    found = client.get(f"/api/v1/shipments/{shipment['tracking_number']}", headers=org.headers)
    address: dict[str, object] = found.json()["address"]
    return address


def _codes(address: dict[str, object]) -> list[str]:
    quality = address["quality"]
    assert isinstance(quality, dict)
    return [reason["code"] for reason in quality["reasons"]]


def _customer_entries(db: Database, number: str) -> list[AuditEntry]:
    with db.session() as session:
        query = select(AuditEntry).where(
            AuditEntry.actor_type == "customer", AuditEntry.subject_label == number
        )
        return list(session.scalars(query))


@pytest.mark.usefixtures("indexed")
def test_the_customer_confirms_the_pin(client: TestClient, org: OrgHandle, db: Database) -> None:
    shipment = create_shipment(client, org, address={"text": "Mäkelänkatu 12 B"})
    path = _path(shipment)
    page = client.get(path).text
    assert "Is this your door?" in page
    assert "up to 300 m from where your address is on the map" in page

    answer = client.post(
        f"{path}/door/confirm",
        data={"form_secret": _secret(client, path)},
        follow_redirects=False,
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"{path}?saved=door#door"
    assert _codes(_api(client, org, shipment)) == ["customer_confirmed"]
    (entry,) = _customer_entries(db, shipment["tracking_number"])
    assert entry.action == "shipment.pin_confirm"
    assert "You confirmed this pin as your door" in client.get(answer.headers["location"]).text


@pytest.mark.usefixtures("indexed")
def test_the_customer_moves_the_pin_a_little(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    shipment = create_shipment(client, org, address={"text": "Mäkelänkatu 12 B"})
    path = _path(shipment)

    answer = client.post(
        f"{path}/door/move",
        data={"form_secret": _secret(client, path), "lat": "60.1958", "lon": "24.9531"},
        follow_redirects=False,
    )

    assert answer.status_code == 303, answer.text
    address = _api(client, org, shipment)
    assert (address["lat"], address["lon"]) == (60.1958, 24.9531)
    assert _codes(address) == ["pin_moved"]
    quality = address["quality"]
    assert isinstance(quality, dict)
    assert quality["reasons"][0]["message"].startswith("The pin was moved by the customer, 85 m")
    (entry,) = _customer_entries(db, shipment["tracking_number"])
    assert entry.after == {"lat": 60.1958, "lon": 24.9531}  # the text found the door: 100 before


@pytest.mark.usefixtures("indexed")
def test_the_pin_moves_at_most_300_m_from_the_address_even_in_steps(
    client: TestClient, org: OrgHandle
) -> None:
    shipment = create_shipment(client, org, address={"text": "Mäkelänkatu 12 B"})
    path = _path(shipment)
    secret = _secret(client, path)
    step = {"form_secret": secret, "lat": "60.1975", "lon": "24.9525"}  # 267 m north
    assert client.post(f"{path}/door/move", data=step, follow_redirects=False).status_code == 303

    further = client.post(
        f"{path}/door/move", data={"form_secret": secret, "lat": "60.1990", "lon": "24.9525"}
    )

    assert further.status_code == 422
    assert "Pin: is 434 m from your address: move it at most 300 m" in further.text
    address = _api(client, org, shipment)
    assert (address["lat"], address["lon"]) == (60.1975, 24.9525)
    bad = client.post(f"{path}/door/move", data={"form_secret": secret, "lat": "north"})
    assert bad.status_code == 422
    assert "Lat: drag the pin on the map, then save" in bad.text


@pytest.mark.usefixtures("indexed")
def test_another_shipments_link_cannot_move_this_pin(client: TestClient, org: OrgHandle) -> None:
    mine = create_shipment(client, org, address={"text": "Mäkelänkatu 12 B"})
    theirs = create_shipment(client, org, address={"text": "Mäkelänkatu 12 B"})
    their_secret = _secret(client, _path(theirs))

    forged = client.post(
        f"{_path(mine)}/door/move",
        data={"form_secret": their_secret, "lat": "60.1958", "lon": "24.9531"},
    )
    assert forged.status_code == 403
    own = client.post(
        f"{_path(theirs)}/door/move",
        data={"form_secret": their_secret, "lat": "60.1958", "lon": "24.9531"},
        follow_redirects=False,
    )
    assert own.status_code == 303

    untouched = _api(client, org, mine)
    assert (untouched["lat"], untouched["lon"]) == DOOR
    assert _api(client, org, theirs)["lat"] == 60.1958


@pytest.mark.usefixtures("indexed")
def test_no_door_question_once_on_its_way_or_when_the_sender_says_no(
    client: TestClient, org: OrgHandle
) -> None:
    on_its_way = create_shipment(client, org, address={"text": "Mäkelänkatu 12 B"})
    post_event(client, org, on_its_way["tracking_number"], status="out_for_delivery")
    path = _path(on_its_way)
    assert "Is this your door?" not in client.get(path).text
    late = client.post(f"{path}/door/confirm", data={"form_secret": _secret(client, path)})
    assert late.status_code == 409
    assert "already on its way" in late.text

    settings = client.patch(
        "/api/v1/organization/settings",
        json={"customer_can_move_pin": False},
        headers=org.headers,
    )
    assert settings.status_code == 200, settings.text
    assert settings.json()["customer_can_move_pin"] is False
    waiting = _path(create_shipment(client, org, address={"text": "Mäkelänkatu 12 B"}))
    assert "Is this your door?" not in client.get(waiting).text
    refused = client.post(f"{waiting}/door/confirm", data={"form_secret": _secret(client, waiting)})
    assert refused.status_code == 409
