"""Traffic speeds are learned from trusted fixes only."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.common import OrgHandle

from lastmile.analytics.traffic import cell_speeds
from lastmile.db import Database
from lastmile.ingest.store import FixStore, StoredFix


def _moving(org: OrgHandle, start: datetime, *, suspect: bool) -> list[StoredFix]:
    driver = uuid.uuid4()
    return [
        StoredFix(
            driver_id=driver,
            org_id=org.org_id,
            device_id=f"van-{driver.hex[:6]}",
            at=start + timedelta(seconds=5 * i),
            received_at=start + timedelta(seconds=5 * i),
            lat=60.17,
            lon=24.93 + 0.0001 * i,
            speed_mps=60.0 if suspect else 9.0,
            suspect=suspect,
        )
        for i in range(10)
    ]


def test_a_teleported_track_s_speeds_are_left_out(db: Database, org: OrgHandle) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    FixStore(db).write(_moving(org, start, suspect=False) + _moving(org, start, suspect=True))
    with db.session() as session:
        cells = cell_speeds(
            session,
            org_id=org.org_id,
            since=start - timedelta(minutes=1),
            until=start + timedelta(hours=1),
            zone=ZoneInfo("UTC"),
            min_fixes=1,
        )
    assert cells
    assert {c.median_kmh for c in cells} == {32.4}
    assert sum(c.fixes for c in cells) == 10
