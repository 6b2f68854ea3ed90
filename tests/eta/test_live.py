"""The fix hook: a driver off route costs no query on each fix, and a start wakes it."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from tests.common import make_org

from lastmile.bus import MemoryBus
from lastmile.db import Database
from lastmile.eta.live import LiveEta
from lastmile.fleet import service as fleet
from lastmile.ingest.devices import DeviceOwner
from lastmile.ingest.pipeline import TrackedFix
from lastmile.types import Fix

pytestmark = pytest.mark.anyio


def _owner(db: Database) -> DeviceOwner:
    org = make_org(db, "Live ETA")
    with db.session() as session:
        driver = fleet.create_driver(
            session=session, org_id=org.org_id, name="D", phone=None, device_ids=["eta-1"]
        )
        session.commit()
        return DeviceOwner(org.org_id, driver.id, "eta-1")


@pytest.mark.parametrize("min_interval_s", [0.0, 600.0])
async def test_a_driver_off_route_is_not_looked_up_again_until_woken(
    db: Database, min_interval_s: float
) -> None:
    owner = _owner(db)
    fix = [TrackedFix(Fix(device_id="eta-1", at=datetime.now(UTC), lat=60.17, lon=24.94))]
    live = LiveEta(
        database=db, bus=MemoryBus(), min_interval_s=min_interval_s, idle_recheck_s=600.0
    )
    queries: list[str] = []

    def count(*args: object) -> None:
        queries.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        await live.after_store(owner, fix)
        looked_up = len(queries)
        assert looked_up > 0
        await live.after_store(owner, fix)
        assert len(queries) == looked_up
        live.wake(owner.driver_id)
        await live.after_store(owner, fix)
        assert len(queries) > looked_up
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert live.failures == 0
