"""Factories for the charges tests: a rate card, a shipment out for delivery, a staff key."""

from typing import Any

from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.common import OrgHandle, create_shipment, post_event

from lastmile.auth import service as auth
from lastmile.auth.models import Role
from lastmile.db import Database

RULES: dict[str, Any] = {
    "base": "5.90",
    "per_km": "0.45",
    "detour_factor": "1.3",
    "weight_tiers": [{"from_kg": "0", "price": "0"}, {"from_kg": "10", "price": "2.50"}],
    "failed_attempt_fee": "3.00",
    "return_to_hub_fee": "2.00",
    "cancellation_fee": "1.50",
    "cod": {"percent": "2", "minimum": "1.00"},
    "fuel": [{"from_month": "2026-01", "percent": "4"}],
    "tax": {"default_percent": "25.5"},
}


def add_card(
    client: TestClient, org: OrgHandle, *, code: str = "default", **overrides: Any
) -> dict[str, Any]:
    body = {"valid_from": "2026-01-01", "rules": RULES, **overrides}
    response = client.post(
        f"/api/v1/billing/merchants/{code}/rate-cards", json=body, headers=org.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def out_for_delivery(client: TestClient, org: OrgHandle, **overrides: Any) -> str:
    """A new shipment from a Helsinki hub, out for delivery; its tracking number."""
    hub = client.post("/api/v1/hubs", json=hub_body(code="HEL9"), headers=org.headers)
    hub_id = hub.json()["id"] if hub.status_code == 201 else _hub_id(client, org)
    shipment = create_shipment(client, org, hub_id=hub_id, **overrides)
    number: str = shipment["tracking_number"]
    status, body = post_event(client, org, number, status="out_for_delivery")
    assert status == 201, body
    return number


def _hub_id(client: TestClient, org: OrgHandle) -> str:
    hubs = client.get("/api/v1/hubs", headers=org.headers).json()
    return str(next(h["id"] for h in hubs if h["code"] == "HEL9"))


def dispatcher_key(db: Database, org: OrgHandle) -> dict[str, str]:
    """Headers of a dispatcher's API key in `org`."""
    with db.session() as session:
        _, key = auth.create_api_key(
            session=session, org_id=org.org_id, name="dispatch", role=Role.DISPATCHER
        )
        session.commit()
    return {"Authorization": f"Bearer {key}"}
