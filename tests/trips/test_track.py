"""The breadcrumb trail of a driver's kept fixes."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.alerts.tracks import Track
from tests.alerts.world import out_on_route, post_track
from tests.common import OrgHandle

from lastmile.db import Database


def test_the_trail_is_the_kept_fixes_in_order_and_stays_in_its_organisation(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    track = Track(sigma_m=2)
    track.t = datetime.now(UTC) - timedelta(minutes=20)
    post_track(client, org, world.device_id, track.drive(to=(600, 0), speed_mps=10).points)
    since = (track.points[0].at - timedelta(seconds=1)).isoformat()
    url = f"/api/v1/drivers/{world.driver_id}/track"
    trail = client.get(url, params={"since": since}, headers=org.headers).json()
    assert len(trail) == len(track.points)
    times = [datetime.fromisoformat(at) for at, _, _ in trail]
    assert times == sorted(times)
    assert trail[-1][2] > trail[0][2]
    later = client.get(url, params={"since": track.points[5].at.isoformat()}, headers=org.headers)
    assert len(later.json()) == len(track.points) - 5
    assert client.get(url, params={"since": since}, headers=other_org.headers).status_code == 404
    naive = client.get(url, params={"since": "2026-11-24T10:00:00"}, headers=org.headers)
    assert naive.status_code == 422
    assert "since" in naive.json()["detail"]
