"""A correction's re-timing survives the process: the correction leaves a `PendingRetime`
row in its own transaction, the follower deletes it as it re-times, and a starting follower
re-times what a killed process left pending."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.common import OrgHandle
from tests.dispatch.test_edits import HUB, NEAR, NORTH, _get, _hub, _order, _route, pinned

from lastmile.audit.types import system_actor
from lastmile.db import Database
from lastmile.shipments.correction import correct_shipment
from lastmile.shipments.models import PendingRetime
from lastmile.shipments.schemas import ShipmentPatch

__all__ = ["pinned"]


def _pending(db: Database) -> list[PendingRetime]:
    with db.session() as session:
        return list(session.scalars(select(PendingRetime)))


@pytest.mark.usefixtures("pinned")
def test_a_followed_correction_leaves_nothing_pending(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    hub_id = _hub(client, org)
    near = _order(client, org, hub_id, NEAR)
    _order(client, org, hub_id, (HUB[0] + 0.002, HUB[1]))
    route = _route(client, org, hub_id)

    moved = client.patch(
        f"/api/v1/shipments/{near}",
        json={"address": {"lat": NORTH[0], "lon": NORTH[1]}},
        headers=org.headers,
    )

    assert moved.status_code == 200, moved.text
    assert _get(client, org, route["id"])["distance_m"] > route["distance_m"] + 10_000
    assert _pending(db) == []


@pytest.mark.usefixtures("pinned")
def test_a_correction_whose_message_was_lost_is_re_timed_on_the_next_start(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    hub_id = _hub(client, org)
    near = _order(client, org, hub_id, NEAR)
    _order(client, org, hub_id, (HUB[0] + 0.002, HUB[1]))
    route = _route(client, org, hub_id)
    with db.session() as session:  # committed, then killed before the bus message went out
        correct_shipment(
            session=session,
            org_id=org.org_id,
            tracking_number=near,
            patch=ShipmentPatch.model_validate({"address": {"lat": NORTH[0], "lon": NORTH[1]}}),
            actor=system_actor("test"),
        )
        session.commit()
    [pending] = _pending(db)
    assert pending.org_id == org.org_id
    assert _get(client, org, route["id"])["distance_m"] == route["distance_m"]

    follower = client.app.state.corrections  # type: ignore[attr-defined]
    assert client.portal is not None
    assert client.portal.call(follower.catch_up) == 1

    assert _get(client, org, route["id"])["distance_m"] > route["distance_m"] + 10_000
    assert _pending(db) == []
