"""Completion-time detectors against the stored track."""

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.alerts.tracks import Track, at_m
from tests.alerts.world import OutOnRoute, out_on_route, post_track
from tests.common import OrgHandle

from lastmile.alerts.completion import stop_completed
from lastmile.db import Database
from lastmile.ingest.models import fixes
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


def parked_and_sent(
    client: TestClient, org: OrgHandle, world: OutOnRoute, east_m: float
) -> datetime:
    """The driver's phone sends ten parked minutes `east_m` east; a moment within them."""
    track = parked_at(east_m)
    post_track(client, org, world.device_id, track.points)
    return track.points[60].at


def test_a_delivery_at_the_door_raises_nothing(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    done_at = parked_and_sent(client, org, world, 1500)
    assert (
        complete(db, org, world.driver_id, world.shipments[0]["id"], done_at, at_m(1520, 10)) == []
    )


def test_proof_far_away_and_a_track_elsewhere_both_raise(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    done_at = parked_and_sent(client, org, world, 4000)
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


def test_a_suspect_track_is_no_evidence_of_where_the_delivery_was_made(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    done_at = parked_and_sent(client, org, world, 4000)
    driver_id = uuid.UUID(world.driver_id)
    with db.session() as session:  # judged a teleport: spoofed, or a phone gone astray
        session.execute(update(fixes).where(fixes.c.driver_id == driver_id).values(suspect=True))
        session.commit()
    assert (
        complete(db, org, world.driver_id, world.shipments[0]["id"], done_at, at_m(1520, 10)) == []
    )
