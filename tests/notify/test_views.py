"""The notification admin API: rules, settings, webhooks, opt-outs; errors name the field."""

from fastapi.testclient import TestClient
from tests.common import OrgHandle, make_org
from tests.notify.helpers import add_webhook

from lastmile.app import create_app
from lastmile.auth.models import Role
from lastmile.config import Settings
from lastmile.db import Database


def test_rules_default_then_override_then_reset(client: TestClient, org: OrgHandle) -> None:
    rules = client.get("/api/v1/notify/rules", headers=org.headers).json()
    assert len(rules) == 15  # five events on sms, email and push
    arriving_sms = next(r for r in rules if (r["event"], r["channel"]) == ("arriving", "sms"))
    assert arriving_sms == {
        "event": "arriving",
        "channel": "sms",
        "enabled": True,
        "template": "arriving",
        "minutes_before": 15,
        "stops_away": 2,
        "customised": False,
    }

    response = client.put(
        "/api/v1/notify/rules/arriving/sms",
        json={"enabled": True, "minutes_before": 5},
        headers=org.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["minutes_before"] == 5
    assert response.json()["stops_away"] is None
    assert response.json()["customised"] is True

    assert (
        client.delete("/api/v1/notify/rules/arriving/sms", headers=org.headers).status_code == 204
    )
    again = client.get("/api/v1/notify/rules", headers=org.headers).json()
    assert (
        next(r for r in again if r["event"] == "arriving" and r["channel"] == "sms")[
            "minutes_before"
        ]
        == 15
    )


def test_rule_errors_name_the_field(client: TestClient, org: OrgHandle) -> None:
    cases = [
        ("/api/v1/notify/rules/arriving/sms", {"enabled": True}, "minutes_before"),
        ("/api/v1/notify/rules/delivered/sms", {"enabled": True, "template": "nope"}, "template"),
        ("/api/v1/notify/rules/delivered/webhook", {"enabled": True}, "channel"),
        (
            "/api/v1/notify/rules/arriving/sms",
            {"enabled": True, "minutes_before": 0},
            "minutes_before",
        ),
    ]
    for url, body, field in cases:
        response = client.put(url, json=body, headers=org.headers)
        assert response.status_code == 422, (url, body)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    unknown = client.put(
        "/api/v1/notify/rules/teleported/sms", json={"enabled": True}, headers=org.headers
    )
    assert unknown.status_code == 422


def test_only_admins_change_rules_and_webhooks(client: TestClient, db: Database) -> None:
    dispatcher = make_org(db, "Dispatch only", role=Role.DISPATCHER)
    assert client.get("/api/v1/notify/rules", headers=dispatcher.headers).status_code == 200
    change = client.put(
        "/api/v1/notify/rules/delivered/sms", json={"enabled": False}, headers=dispatcher.headers
    )
    assert change.status_code == 403
    hook = client.post(
        "/api/v1/notify/webhooks", json={"url": "https://m.example/h"}, headers=dispatcher.headers
    )
    assert hook.status_code == 403


def test_settings_validate_locale_zone_and_quiet_hours(client: TestClient, org: OrgHandle) -> None:
    defaults = client.get("/api/v1/notify/settings", headers=org.headers).json()
    assert defaults == {
        "locale": "en",
        "timezone": "UTC",
        "quiet_hours": None,
        "locales": ["en", "fi"],
    }
    for body, field in [
        ({"locale": "sv"}, "locale"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"quiet_hours": {"start": "21:00", "end": "21:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, "quiet_hours.start"),
    ]:
        response = client.put("/api/v1/notify/settings", json=body, headers=org.headers)
        assert response.status_code == 422, body
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    saved = client.put(
        "/api/v1/notify/settings",
        json={
            "locale": "fi",
            "timezone": "Europe/Helsinki",
            "quiet_hours": {"start": "21:00", "end": "08:00"},
        },
        headers=org.headers,
    ).json()
    assert saved["quiet_hours"] == {"start": "21:00:00", "end": "08:00:00"}
    assert client.get("/api/v1/notify/settings", headers=org.headers).json() == saved


def test_webhook_errors_and_organisation_boundary(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    bad_event = client.post(
        "/api/v1/notify/webhooks",
        json={"url": "https://m.example/h", "events": ["delivered", "exploded"]},
        headers=org.headers,
    )
    assert bad_event.status_code == 422
    assert bad_event.json()["errors"][0]["field"] == "events.1"
    bad_url = client.post("/api/v1/notify/webhooks", json={"url": "ftp://x"}, headers=org.headers)
    assert bad_url.status_code == 422
    assert bad_url.json()["errors"][0]["field"] == "url"

    endpoint = add_webhook(client, org, "https://m.example/h", events=["delivered"])
    assert client.get("/api/v1/notify/webhooks", headers=other_org.headers).json() == []
    foreign = client.delete(f"/api/v1/notify/webhooks/{endpoint['id']}", headers=other_org.headers)
    assert foreign.status_code == 404
    mine = client.delete(f"/api/v1/notify/webhooks/{endpoint['id']}", headers=org.headers)
    assert mine.status_code == 204
    listed = client.get("/api/v1/notify/webhooks", headers=org.headers).json()
    assert [e["active"] for e in listed] == [False]


def test_opt_outs_need_exactly_one_address_and_stay_in_their_organisation(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    both = client.post(
        "/api/v1/notify/opt-outs",
        json={"phone": "+358401234567", "email": "a@b.fi"},
        headers=org.headers,
    )
    assert both.status_code == 422
    bad_phone = client.post("/api/v1/notify/opt-outs", json={"phone": "123"}, headers=org.headers)
    assert bad_phone.json()["errors"][0]["field"] == "phone"

    made = client.post(
        "/api/v1/notify/opt-outs", json={"email": "Aino@Example.FI"}, headers=org.headers
    ).json()
    assert (made["channel"], made["address"]) == ("email", "aino@example.fi")
    assert client.get("/api/v1/notify/opt-outs", headers=other_org.headers).json() == []
    gone = client.delete(f"/api/v1/notify/opt-outs/{made['id']}", headers=other_org.headers)
    assert gone.status_code == 404
    assert (
        client.delete(f"/api/v1/notify/opt-outs/{made['id']}", headers=org.headers).status_code
        == 204
    )


def test_by_default_webhooks_to_internal_addresses_are_refused(
    settings: Settings, db: Database, org: OrgHandle
) -> None:
    strict = settings.model_copy(update={"webhook_allow_private": False})
    assert Settings(_env_file=None).webhook_allow_private is False  # type: ignore[call-arg]
    with TestClient(create_app(strict, database=db)) as client:
        for url in (
            "http://127.0.0.1:8000/hooks",
            "http://localhost/hooks",
            "http://10.0.0.5/hooks",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:127.0.0.1]/hooks",
            "http://[fd00::1]/hooks",
            "https://merchant:pw@93.184.215.14/hooks",
        ):
            refused = client.post("/api/v1/notify/webhooks", json={"url": url}, headers=org.headers)
            assert refused.status_code == 422, url
            assert refused.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in refused.json()["errors"]] == ["url"]
        accepted = client.post(
            "/api/v1/notify/webhooks",
            json={"url": "https://93.184.215.14/hooks"},
            headers=org.headers,
        )
        assert accepted.status_code == 201, accepted.text
        assert [
            e["url"] for e in client.get("/api/v1/notify/webhooks", headers=org.headers).json()
        ] == ["https://93.184.215.14/hooks"]
