"""Speed factors learned from the fixes our own fleet stored, per organisation if asked."""

import uuid
from datetime import UTC, datetime, timedelta

from tests.common import OrgHandle

from lastmile.db import Database
from lastmile.eta.fleet_speeds import fix_tracks, fleet_speed_factors
from lastmile.ingest.store import FixStore, StoredFix

SINCE = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=2)


def _drive(org: OrgHandle, start: datetime, speed_mps: float, count: int = 40) -> list[StoredFix]:
    driver = uuid.uuid4()
    return [
        StoredFix(
            driver_id=driver,
            org_id=org.org_id,
            device_id=f"van-{driver.hex[:6]}",
            at=start + timedelta(seconds=15 * i),
            received_at=start + timedelta(seconds=15 * i),
            lat=45.0 + (speed_mps * 15 * i / 111_000) % 0.02,
            lon=7.0,
        )
        for i in range(count)
    ]


def test_a_slow_hour_in_the_fleets_fixes_becomes_a_speed_factor(
    db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    store = FixStore(db)
    slow_hour = SINCE + timedelta(hours=17)
    store.write(_drive(org, SINCE + timedelta(hours=10), 10.0))
    store.write(_drive(org, SINCE + timedelta(hours=11), 10.0))
    store.write(_drive(org, slow_hour, 4.0))
    store.write(_drive(other_org, slow_hour, 1.5))
    with db.session() as session:
        assert len(fix_tracks(session, since=SINCE, org_id=org.org_id)) == 3
        assert len(fix_tracks(session, since=SINCE)) == 4
        factors, legs = fleet_speed_factors(session, since=SINCE, org_id=org.org_id)
    assert legs > 100
    rush = factors.factor(45.01, 7.0, slow_hour + timedelta(minutes=5))
    usual = factors.factor(45.01, 7.0, SINCE + timedelta(hours=10, minutes=5))
    assert rush > 2.0 * usual


def test_a_suspect_track_teaches_nothing(db: Database, org: OrgHandle) -> None:
    store = FixStore(db)
    trusted = _drive(org, SINCE + timedelta(hours=10), 10.0)
    teleported = [f._replace(suspect=True) for f in _drive(org, SINCE + timedelta(hours=17), 90.0)]
    store.write(trusted + teleported)
    with db.session() as session:
        tracks = fix_tracks(session, since=SINCE, org_id=org.org_id)
        _, legs = fleet_speed_factors(session, since=SINCE, org_id=org.org_id)
    assert [len(track) for track in tracks] == [len(trusted)]
    assert 0 < legs < len(trusted)
