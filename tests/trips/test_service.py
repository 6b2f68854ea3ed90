"""Idle time: stopping at a planned stop of the driver's route is work, elsewhere it is idling."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from tests.alerts.tracks import Track
from tests.alerts.world import out_on_route, post_track
from tests.common import OrgHandle

from lastmile.db import Database
from lastmile.trips.service import driver_day


def _parked_then_away(start: datetime) -> Track:
    track = Track(sigma_m=4)
    track.t = start
    return (
        track.drive(to=(1500, 0), speed_mps=10)
        .stay(600)
        .drive(to=(1500, 800), speed_mps=10)
        .stay(600)
        .drive(to=(1600, 800), speed_mps=10)
    )


def test_a_stop_at_a_planned_stop_is_not_idle_but_one_elsewhere_is(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    if (start + timedelta(minutes=30)).date() != start.date():
        start -= timedelta(minutes=40)
    world = out_on_route(client, db, org, day=start.date())
    track = _parked_then_away(start)
    post_track(client, org, world.device_id, track.points)
    with db.session() as session:
        day = driver_day(
            session=session,
            org_id=org.org_id,
            driver_id=uuid.UUID(world.driver_id),
            day=start.date(),
            zone=ZoneInfo("UTC"),
        )
    summary = day.summary
    assert summary.stop_count == 2
    assert summary.idle_stop_count == 1
    assert 500 <= summary.idle_s <= 620
    assert summary.stopped_s >= summary.idle_s + 500
