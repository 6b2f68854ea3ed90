"""Completion-time detectors against the stored track."""

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.alerts.tracks import Track, at_m
from tests.alerts.world import out_on_route, post_track
from tests.common import OrgHandle

from lastmile.alerts.completion import stop_completed
from lastmile.db import Database
from lastmile.shipments.models import Shipment


def complete(
    db: Database,
    org: OrgHandle,
    world_driver: str,
    shipment_id: str,
    at: datetime,
    proof: tuple[float, float],
) -> list[str]:
    with db.session() as session:
        shipment = session.get(Shipment, uuid.UUID(shipment_id))
        assert shipment is not None
        messages = stop_completed(
            session,
            org_id=org.org_id,
            driver_id=uuid.UUID(world_driver),
            route_id=None,
            stop_id=uuid.uuid4(),
            shipment=shipment,
            at=at,
            proof_position=proof,
        )
        session.commit()
        return sorted(str(m["kind"]) for m in messages)


def parked_at(east_m: float) -> Track:
    track = Track(sigma_m=5)
    track.t = datetime.now(UTC) - timedelta(minutes=30)
    track.x = east_m
    return track.stay(600)


def test_a_delivery_at_the_door_raises_nothing(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    track = parked_at(1500)
    post_track(client, org, world.device_id, track.points)
    done_at = track.points[60].at
    assert (
        complete(db, org, world.driver_id, world.shipments[0]["id"], done_at, at_m(1520, 10)) == []
    )


def test_proof_far_away_and_a_track_elsewhere_both_raise(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    track = parked_at(4000)
    post_track(client, org, world.device_id, track.points)
    done_at = track.points[60].at
    raised = complete(db, org, world.driver_id, world.shipments[0]["id"], done_at, at_m(1900, 0))
    assert raised == ["delivery_while_elsewhere", "proof_far_from_address"]


def test_a_completion_far_in_time_from_any_fix_judges_only_the_proof(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    post_track(client, org, world.device_id, parked_at(4000).points)
    much_later = datetime.now(UTC) + timedelta(hours=1)
    assert (
        complete(db, org, world.driver_id, world.shipments[0]["id"], much_later, at_m(1500, 0))
        == []
    )
