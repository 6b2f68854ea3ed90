"""The fix-stream detectors, fed through the real ingest API."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.alerts.tracks import Track
from tests.alerts.world import out_on_route, post_track
from tests.common import OrgHandle

from lastmile.db import Database


def track_from_two_hours_ago(**kwargs: float) -> Track:
    track = Track(**kwargs)  # type: ignore[arg-type]
    track.t = datetime.now(UTC) - timedelta(hours=2)
    return track


def kinds(client: TestClient, org: OrgHandle, status: str = "open") -> list[str]:
    alerts = client.get(f"/api/v1/alerts?status={status}", headers=org.headers).json()
    return sorted(a["kind"] for a in alerts)


def test_a_detour_and_a_halt_off_the_route_raise_alerts_through_ingest(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    track = (
        track_from_two_hours_ago(sigma_m=5)
        .drive(to=(800, 0), speed_mps=10)
        .drive(to=(800, 900), speed_mps=10)
        .stay(900)
    )
    post_track(client, org, world.device_id, track.points)
    assert kinds(client, org) == ["route_deviation", "suspicious_stop", "unscheduled_halt"]
    alerts = client.get("/api/v1/alerts", headers=org.headers).json()
    assert {a["driver_id"] for a in alerts} == {world.driver_id}
    assert {a["route_id"] for a in alerts} == {str(world.route_id)}
    suspicious = next(a for a in alerts if a["kind"] == "suspicious_stop")
    assert suspicious["details"]["parcels_on_board"] == 4

    back = track_from_two_hours_ago(sigma_m=5)
    back.t, back.x, back.y = track.t, 800, 900
    back.drive(to=(800, 0), speed_mps=10).drive(to=(1500, 0), speed_mps=10)
    post_track(client, org, world.device_id, back.points)
    assert kinds(client, org) == ["suspicious_stop"]
    assert kinds(client, org, "resolved") == ["route_deviation", "unscheduled_halt"]


def test_a_long_stop_at_a_planned_stop_and_a_jam_on_the_route_raise_nothing(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    track = (
        track_from_two_hours_ago(sigma_m=8)
        .drive(to=(1000, 0), speed_mps=10)
        .drive(to=(1400, 0), speed_mps=0.5)
        .drive(to=(1500, 0), speed_mps=8)
        .stay(1500)
    )
    post_track(client, org, world.device_id, track.points)
    assert kinds(client, org) == []


def test_alerts_stay_inside_their_organisation(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    track = track_from_two_hours_ago(sigma_m=5).drive(to=(800, 900), speed_mps=10).stay(700)
    post_track(client, org, world.device_id, track.points)
    assert kinds(client, org) != []
    assert kinds(client, other_org) == []


def test_a_driver_with_two_phones_interleaving_their_fixes_breaks_no_detector(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """The app and a Traccar Client of one driver: each phone's fixes are in time order, the
    two together are not; the older ones are history for the detectors, not a failure."""
    world = out_on_route(client, db, org)
    other = client.patch(
        f"/api/v1/drivers/{world.driver_id}",
        json={"device_ids": [world.device_id, "second-phone"]},
        headers=org.headers,
    )
    assert other.status_code == 200, other.text
    track = track_from_two_hours_ago(sigma_m=5).drive(to=(800, 0), speed_mps=10).stay(1800)
    newer, older = track.points[len(track.points) // 2 :], track.points[: len(track.points) // 2]
    post_track(client, org, world.device_id, newer)
    post_track(client, org, "second-phone", older)
    health = client.get("/healthz").json()["fix_path"]
    assert health["follower_failures"] == {}
    assert health["followed"] > 0
    assert kinds(client, org) == ["suspicious_stop", "unscheduled_halt"]
