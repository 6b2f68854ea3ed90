"""Recipients' phone numbers: stored in E.164, national ones read in the organisation's
country, and a number that cannot be a phone refused on `recipient.phone`."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from testkit.bodies import shipment_body
from tests.common import OrgHandle

SETTINGS = "/api/v1/organization/settings"


def _post(client: TestClient, org: OrgHandle, phone: str) -> Any:
    recipient = {"name": "Aino Virtanen", "phone": phone}
    return client.post(
        "/api/v1/shipments", json=shipment_body(recipient=recipient), headers=org.headers
    )


def _refused_on_phone(answer: Any) -> str:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    [error] = answer.json()["errors"]
    assert error["field"] == "recipient.phone"
    message: str = error["message"]
    return message


@pytest.fixture
def finnish(client: TestClient, org: OrgHandle) -> OrgHandle:
    answer = client.patch(SETTINGS, json={"country": "FI"}, headers=org.headers)
    assert answer.status_code == 200, answer.text
    return org


def test_a_national_number_is_read_in_the_organisation_country(
    client: TestClient, finnish: OrgHandle
) -> None:
    for written, stored in [
        ("040 123 4567", "+358401234567"),
        ("(09) 310 1691", "+35893101691"),
        ("+358 40-123 4567", "+358401234567"),
        ("0044 20 7946 0958", "+442079460958"),
    ]:
        answer = _post(client, finnish, written)
        assert answer.status_code == 201, answer.text
        assert answer.json()["recipient"]["phone"] == stored, written


def test_without_a_country_a_national_number_says_how_to_fix_it(
    client: TestClient, org: OrgHandle
) -> None:
    message = _refused_on_phone(_post(client, org, "040 123 4567"))
    assert "no country code" in message
    assert "`country`" in message
    assert _post(client, org, "+358401234567").json()["recipient"]["phone"] == "+358401234567"


@pytest.mark.parametrize(
    ("phone", "words"),
    [
        ("call me", "digits, spaces"),
        ("12", "too short"),
        ("123 45", "neither a valid FI phone number"),
        ("+999 123 4567", "international form"),
    ],
)
def test_a_number_that_cannot_be_a_phone_names_the_field(
    client: TestClient, finnish: OrgHandle, phone: str, words: str
) -> None:
    assert words in _refused_on_phone(_post(client, finnish, phone))


def test_a_bulk_row_with_a_bad_phone_is_named_and_the_others_are_created(
    client: TestClient, finnish: OrgHandle
) -> None:
    rows = [
        shipment_body(reference="P-1", recipient={"name": "A", "phone": "040 123 4567"}),
        shipment_body(reference="P-2", recipient={"name": "B", "phone": "123 45"}),
    ]
    answer = client.post(
        "/api/v1/shipments/bulk", json={"shipments": rows}, headers=finnish.headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["created"], body["failed"]) == (1, 1)
    assert body["shipments"][0]["recipient"]["phone"] == "+358401234567"
    [error] = body["errors"]
    assert (error["index"], error["field"]) == (1, "recipient.phone")


def test_the_same_national_number_reads_in_each_organisation_s_own_country(
    client: TestClient, finnish: OrgHandle, other_org: OrgHandle
) -> None:
    """Phone parsing is remembered by text and country: a Swedish organisation's `070 123 4567`
    is not the Finnish one read just before."""
    swedish = client.patch(SETTINGS, json={"country": "SE"}, headers=other_org.headers)
    assert swedish.status_code == 200, swedish.text
    stored = [_post(client, org, "070 123 4567") for org in (finnish, other_org)]
    assert [answer.status_code for answer in stored] == [201, 201]
    phones = [answer.json()["recipient"]["phone"] for answer in stored]
    assert phones == ["+358701234567", "+46701234567"]
