"""Settings changes through each admin API leave exactly one audit entry with what changed."""

import base64
from typing import Any

from fastapi.testclient import TestClient
from tests.audit.test_views import audit, only
from tests.common import OrgHandle


def test_organisation_settings_and_logo(client: TestClient, org: OrgHandle) -> None:
    changed = client.patch(
        "/api/v1/organization/settings",
        json={"brand_color": "#112233", "link_expiry_days": 30},
        headers=org.headers,
    )
    assert changed.status_code == 200, changed.text
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10).decode()
    logo = {"content_type": "image/png", "data_base64": png}
    assert (
        client.put("/api/v1/organization/logo", json=logo, headers=org.headers).status_code == 200
    )

    entry = only(audit(client, org), "settings.organization")
    assert entry["before"] == {"brand_color": "#1f5fbf"}  # 30 days was already the rule
    assert entry["after"] == {"brand_color": "#112233"}
    assert entry["subject"]["id"] == str(org.org_id)
    assert only(audit(client, org), "settings.logo")["after"] == {"content_type": "image/png"}
    assert png not in str(audit(client, org))


def test_alert_thresholds(client: TestClient, org: OrgHandle) -> None:
    changed = client.patch(
        "/api/v1/alerts/settings", json={"halt_min_s": 900, "corridor_m": 250}, headers=org.headers
    )
    assert changed.status_code == 200, changed.text
    entry = only(audit(client, org), "settings.alerts")
    assert (entry["before"], entry["after"]) == ({"halt_min_s": 600}, {"halt_min_s": 900})
    assert entry["text"] == "changed the alert thresholds: halt_min_s 600.0 → 900.0"


def test_notification_settings_rules_and_webhooks(client: TestClient, org: OrgHandle) -> None:
    def ok(response: Any) -> None:
        assert response.status_code in (200, 201, 204), response.text

    ok(client.put("/api/v1/notify/settings", json={"locale": "fi"}, headers=org.headers))
    ok(
        client.put(
            "/api/v1/notify/rules/arriving/sms",
            json={"enabled": True, "minutes_before": 5},
            headers=org.headers,
        )
    )
    ok(client.delete("/api/v1/notify/rules/arriving/sms", headers=org.headers))
    hook = client.post(
        "/api/v1/notify/webhooks",
        json={
            "url": "https://hooks.example.com/t/s3cret?token=qz-tok",
            "description": "ERP",
        },
        headers=org.headers,
    )
    ok(hook)
    ok(client.delete(f"/api/v1/notify/webhooks/{hook.json()['id']}", headers=org.headers))

    entries = audit(client, org)
    assert [e["action"] for e in entries] == [
        "webhook.delete",
        "webhook.create",
        "notify.rule_reset",
        "notify.rule",
        "settings.notifications",
    ]
    assert entries[4]["before"] == {"locale": "en"}
    assert entries[4]["after"] == {"locale": "fi"}
    assert entries[3]["subject"]["label"] == "arriving/sms"
    assert entries[3]["after"] == {"minutes_before": 5, "stops_away": None}
    assert entries[2]["after"] == {"minutes_before": 15, "stops_away": 2}
    assert entries[1]["subject"]["label"] == "hooks.example.com (ERP)"
    assert "s3cret" not in str(entries)
    assert "qz-tok" not in str(entries)
