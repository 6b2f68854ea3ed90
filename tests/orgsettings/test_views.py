"""`/api/v1/organization/settings`: defaults, validation naming the field, tenancy."""

import base64

from fastapi.testclient import TestClient
from tests.common import OrgHandle, make_org

from lastmile.auth.models import Role
from lastmile.db import Database

SETTINGS = "/api/v1/organization/settings"


def test_defaults_until_changed(client: TestClient, org: OrgHandle) -> None:
    body = client.get(SETTINGS, headers=org.headers).json()
    assert body["driver_visible_stops_away"] == 3
    assert body["link_expiry_days"] == 30
    assert body["brand_color"] == "#1f5fbf"
    assert body["reschedule_windows"][0] == {"start": "08:00", "end": "12:00"}


def test_a_patch_changes_only_its_fields_and_only_this_org(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    answer = client.patch(
        SETTINGS,
        json={
            "brand_color": "#AA0000",
            "timezone": "Europe/Helsinki",
            "reschedule_windows": [{"start": "09:00", "end": "13:00"}],
            "logo_url": "https://example.com/logo.png",
        },
        headers=org.headers,
    )
    assert answer.status_code == 200, answer.text
    body = client.get(SETTINGS, headers=org.headers).json()
    assert body["brand_color"] == "#aa0000"
    assert body["timezone"] == "Europe/Helsinki"
    assert body["reschedule_windows"] == [{"start": "09:00", "end": "13:00"}]
    assert body["logo_url"] == "https://example.com/logo.png"
    assert body["driver_visible_stops_away"] == 3
    theirs = client.get(SETTINGS, headers=other_org.headers).json()
    assert theirs["brand_color"] == "#1f5fbf"
    cleared = client.patch(SETTINGS, json={"logo_url": ""}, headers=org.headers).json()
    assert cleared["logo_url"] is None


def test_invalid_values_name_their_field(client: TestClient, org: OrgHandle) -> None:
    cases = [
        ({"brand_color": "red"}, "brand_color"),
        ({"driver_visible_stops_away": 0}, "driver_visible_stops_away"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"reschedule_cutoff": "25:00"}, "reschedule_cutoff"),
        ({"reschedule_windows": [{"start": "12:00", "end": "08:00"}]}, "reschedule_windows[0]"),
        ({"feedback_tags": ["Late", "Late"]}, "feedback_tags"),
        ({"logo_url": "http://insecure.example/logo.png"}, "logo_url"),
        ({"unknown": 1}, "unknown"),
        ({"brand_color": None}, ""),
    ]
    for body, field in cases:
        answer = client.patch(SETTINGS, json=body, headers=org.headers)
        assert answer.status_code == 422, body
        assert answer.headers["content-type"] == "application/problem+json"
        fields = [e["field"] for e in answer.json()["errors"]]
        assert any(f.startswith(field) for f in fields), (body, fields)


def test_only_admins_change_settings(client: TestClient, db: Database) -> None:
    dispatcher = make_org(db, "Org D", role=Role.DISPATCHER)
    assert client.get(SETTINGS, headers=dispatcher.headers).status_code == 200
    answer = client.patch(SETTINGS, json={"brand_color": "#000000"}, headers=dispatcher.headers)
    assert answer.status_code == 403


def test_logo_upload_checks_the_image(client: TestClient, org: OrgHandle) -> None:
    def upload(content_type: str, data: bytes) -> int:
        body = {"content_type": content_type, "data_base64": base64.b64encode(data).decode()}
        return client.put("/api/v1/organization/logo", json=body, headers=org.headers).status_code

    assert upload("image/svg+xml", b"<svg/>") == 422
    assert upload("image/png", b"GIF89a not a png") == 422
    assert upload("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 300_000) == 422
    assert upload("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10) == 200
    assert client.get(SETTINGS, headers=org.headers).json()["has_logo_image"] is True
    bad = client.put(
        "/api/v1/organization/logo",
        json={"content_type": "image/png", "data_base64": "***"},
        headers=org.headers,
    )
    assert bad.json()["errors"][0]["field"] == "data_base64"


def test_the_address_rule_and_country_are_validated_and_audited(
    client: TestClient, org: OrgHandle
) -> None:
    body = client.get(SETTINGS, headers=org.headers).json()
    assert (body["address_quality_rule"], body["address_quality_threshold"]) == ("warn", 60)
    assert body["country"] is None
    for bad, field in [
        ({"address_quality_rule": "sometimes"}, "address_quality_rule"),
        ({"address_quality_threshold": 101}, "address_quality_threshold"),
        ({"country": "XX"}, "country"),
        ({"country": "FIN"}, "country"),
    ]:
        answer = client.patch(SETTINGS, json=bad, headers=org.headers)
        assert answer.status_code == 422, bad
        assert [e["field"] for e in answer.json()["errors"]] == [field], bad
    changes = {"address_quality_rule": "refuse", "address_quality_threshold": 75, "country": "fi"}
    changed = client.patch(SETTINGS, json=changes, headers=org.headers).json()
    assert (changed["address_quality_rule"], changed["address_quality_threshold"]) == (
        "refuse",
        75,
    )
    assert changed["country"] == "FI"
    cleared = client.patch(SETTINGS, json={"country": None}, headers=org.headers).json()
    assert cleared["country"] is None
    entries = client.get("/api/v1/audit", headers=org.headers).json()["items"]
    after = [e["after"] for e in entries if e["action"] == "settings.organization"]
    assert {
        "address_quality_rule": "refuse",
        "address_quality_threshold": 75,
        "country": "FI",
    } in after
    assert {"country": None} in after
