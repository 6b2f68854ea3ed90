"""Small factories the tests build what they need with."""

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from testkit.bodies import shipment_body

from lastmile.auth import service as auth
from lastmile.auth.models import Role
from lastmile.db import Database


@dataclass(frozen=True)
class OrgHandle:
    org_id: uuid.UUID
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def make_org(db: Database, name: str, *, role: Role = Role.ADMIN) -> OrgHandle:
    with db.session() as session:
        org = auth.create_organization(session=session, name=name)
        _, key = auth.create_api_key(session=session, org_id=org.id, name="test", role=role)
        session.commit()
        return OrgHandle(org.id, key)


def create_shipment(client: TestClient, org: OrgHandle, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/shipments", json=shipment_body(**overrides), headers=org.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def post_event(
    client: TestClient, org: OrgHandle, tracking_number: str, **body: Any
) -> tuple[int, dict[str, Any]]:
    response = client.post(
        f"/api/v1/shipments/{tracking_number}/events", json=body, headers=org.headers
    )
    return response.status_code, response.json()


def make_driver(
    client: TestClient, org: OrgHandle, *device_ids: str, name: str = "Mikko Lahtinen"
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/drivers",
        json={"name": name, "phone": "+358401112223", "device_ids": list(device_ids)},
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


DISPATCHER_EMAIL = "dana@example.com"
DISPATCHER_PASSWORD = "correct horse battery staple"


def make_dispatcher(db: Database, org: OrgHandle) -> None:
    """Dana, a dispatcher of `org` who signs in to the Control Tower with a password."""
    with db.session() as session:
        auth.create_user(
            session=session,
            org_id=org.org_id,
            email=DISPATCHER_EMAIL,
            name="Dana Dispatcher",
            role=Role.DISPATCHER,
            password=DISPATCHER_PASSWORD,
        )
        session.commit()


ADMIN_EMAIL = "ada@example.com"
ADMIN_PASSWORD = "a long admin passphrase"


def make_admin(db: Database, org: OrgHandle) -> None:
    """Ada, an admin of `org` who signs in to the Control Tower with a password."""
    with db.session() as session:
        auth.create_user(
            session=session,
            org_id=org.org_id,
            email=ADMIN_EMAIL,
            name="Ada Admin",
            role=Role.ADMIN,
            password=ADMIN_PASSWORD,
        )
        session.commit()
