"""The door of a delivery is where the track dwelt before "delivered", not where it was pressed."""

from datetime import UTC, datetime, timedelta

from tests.door_track import door_visit

from lastmile.geo import from_local_m, haversine_m
from lastmile.trips.dwell import door_dwell

VAN = (60.1699, 24.9384)
START = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def test_the_two_minutes_at_the_door_win_over_the_van_where_delivered_was_pressed() -> None:
    track, door, _ = door_visit(van=VAN, start=START)
    found = door_dwell(track, proof=VAN)
    assert found is not None
    assert haversine_m(*found, *door) < 8
    assert haversine_m(*found, *VAN) > 30


def test_a_dwell_far_from_the_proof_or_too_short_is_no_door() -> None:
    track, _, _ = door_visit(van=VAN, start=START)
    elsewhere = from_local_m(0.0, 400.0, origin_lat=VAN[0], origin_lon=VAN[1])
    assert door_dwell(track, proof=elsewhere) is None
    driving = [p for p in track if p.at < START + timedelta(seconds=50)]
    assert door_dwell(driving, proof=VAN) is None
