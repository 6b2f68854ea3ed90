"""Dispatchers limited to some hubs: an admin sets them (PUT /api/v1/users/{id}/hubs); the
limited dispatcher sees only those hubs in the hub list, the board, the orders and the alerts,
and another hub's shipment answers 404; an admin still sees everything."""

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from testkit.bodies import hub_body, shipment_body
from tests.common import (
    DISPATCHER_EMAIL,
    DISPATCHER_PASSWORD,
    OrgHandle,
    make_dispatcher,
    make_org,
)
from tests.sign_in import sign_in

from lastmile.alerts.models import Alert, AlertStatus, Severity
from lastmile.auth.models import Role
from lastmile.db import Database


def _hub(client: TestClient, org: OrgHandle, code: str) -> str:
    response = client.post("/api/v1/hubs", json=hub_body(code=code, name=code), headers=org.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _order(client: TestClient, org: OrgHandle, hub_id: str, reference: str) -> dict[str, Any]:
    body = shipment_body(hub_id=hub_id, reference=reference)
    response = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def _alert(db: Database, org: OrgHandle, shipment_id: str, title: str) -> None:
    at = datetime.now(UTC)
    with db.session() as session:
        session.add(
            Alert(
                org_id=org.org_id,
                kind="late_risk",
                key=f"test:{title}",
                severity=Severity.WARNING,
                status=AlertStatus.OPEN,
                title=title,
                shipment_id=uuid.UUID(shipment_id),
                opened_at=at,
                last_seen_at=at,
            )
        )
        session.commit()


def _dana(client: TestClient, org: OrgHandle) -> str:
    users = client.get("/api/v1/users", headers=org.headers).json()
    return str(next(u["id"] for u in users if u["email"] == DISPATCHER_EMAIL))


def test_a_dispatcher_limited_to_a_hub_sees_only_that_hub(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    make_dispatcher(db, org)
    mine, theirs = _hub(client, org, "HEL1"), _hub(client, org, "ESP1")
    here, there = _order(client, org, mine, "HERE-1"), _order(client, org, theirs, "THERE-1")
    _alert(db, org, here["id"], "Late here")
    _alert(db, org, there["id"], "Late there")
    dana = _dana(client, org)

    limited = client.put(
        f"/api/v1/users/{dana}/hubs", json={"hub_ids": [mine]}, headers=org.headers
    )
    assert limited.status_code == 200, limited.text
    assert limited.json() == {"hub_ids": [mine]}
    assert client.get(f"/api/v1/users/{dana}/hubs", headers=org.headers).json() == {
        "hub_ids": [mine]
    }
    assert sign_in(client, DISPATCHER_EMAIL, DISPATCHER_PASSWORD).status_code == 200

    assert [h["id"] for h in client.get("/api/v1/hubs").json()] == [mine]
    assert client.get(f"/api/v1/hubs/{theirs}").status_code == 404
    listed = client.get("/api/v1/shipments").json()["items"]
    assert [s["tracking_number"] for s in listed] == [here["tracking_number"]]
    assert client.get("/api/v1/shipments/counts").json() == {"created": 1}
    assert client.get(f"/api/v1/shipments/{here['tracking_number']}").status_code == 200
    for path in ("", "/events"):
        hidden = client.get(f"/api/v1/shipments/{there['tracking_number']}{path}")
        assert hidden.status_code == 404, hidden.text
    patched = client.patch(
        f"/api/v1/shipments/{there['tracking_number']}",
        json={"instructions": "ring twice"},
        headers={"X-CSRF-Token": client.cookies.get("lastmile_csrf") or ""},
    )
    assert patched.status_code == 404, patched.text
    alerts = client.get("/api/v1/alerts")
    assert alerts.status_code == 200, alerts.text
    assert [a["title"] for a in alerts.json()] == ["Late here"]

    board = client.get("/api/v1/control-tower/board").json()
    assert ([h["id"] for h in board["hubs"]], board["hub_id"]) == ([mine], mine)
    assert board["all_hubs"] is False
    assert client.get(f"/api/v1/control-tower/board?hub={theirs}").status_code == 404
    assert client.get(f"/api/v1/hubs/{theirs}/unplanned?date=2026-11-24").status_code == 404
    page = client.get("/control-tower").text
    assert "HEL1" in page
    assert "ESP1" not in page

    # The admin's key sees every hub, and lifting the limit gives Dana every hub again.
    everything = client.get("/api/v1/shipments", headers=org.headers).json()["items"]
    assert len(everything) == 2
    assert client.get(
        f"/api/v1/shipments/{there['tracking_number']}", headers=org.headers
    ).is_success
    assert len(client.get("/api/v1/alerts", headers=org.headers).json()) == 2
    lifted = client.put(f"/api/v1/users/{dana}/hubs", json={"hub_ids": []}, headers=org.headers)
    assert lifted.json() == {"hub_ids": []}
    assert client.get(f"/api/v1/shipments/{there['tracking_number']}").status_code == 200
    assert client.get("/api/v1/control-tower/board").json()["all_hubs"] is True


def test_only_an_admin_sets_a_user_s_hubs_and_only_to_the_organisation_s_hubs(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    make_dispatcher(db, org)
    dana = _dana(client, org)
    foreign = _hub(client, other_org, "FOREIGN")
    refused = client.put(
        f"/api/v1/users/{dana}/hubs", json={"hub_ids": [foreign]}, headers=org.headers
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "hub_ids[0]"
    elsewhere = client.put(
        f"/api/v1/users/{dana}/hubs", json={"hub_ids": []}, headers=other_org.headers
    )
    assert elsewhere.status_code == 404
    dispatcher_org = make_org(db, "Dispatchers only", role=Role.DISPATCHER)
    mine = _hub(client, org, "HEL1")
    as_dispatcher = client.put(
        f"/api/v1/users/{dana}/hubs", json={"hub_ids": [mine]}, headers=dispatcher_org.headers
    )
    assert as_dispatcher.status_code == 403
