"""The fix hook: a driver off route costs no query on each fix, a start wakes it, and one
driver's failing update does not hold back the others updated with it."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from tests.common import OrgHandle, make_org
from tests.eta.helpers import HUB, route_in_progress

from lastmile.bus import MemoryBus
from lastmile.db import Database
from lastmile.eta import service
from lastmile.eta.engine import EtaEngine
from lastmile.eta.learning import LearnedEta
from lastmile.eta.live import LiveEta, _Asked
from lastmile.eta.predictor import Predictor
from lastmile.fleet import service as fleet
from lastmile.ingest.devices import DeviceOwner
from lastmile.ingest.pipeline import StoredBatch
from lastmile.ingest.stages import TrackedFix
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
        database=db,
        bus=MemoryBus(),
        engine=EtaEngine(LearnedEta()),
        min_interval_s=min_interval_s,
        idle_recheck_s=600.0,
    )
    queries: list[str] = []

    def count(*args: object) -> None:
        queries.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        await live.follow(StoredBatch(owner, fix, datetime.now(UTC)))
        looked_up = len(queries)
        assert looked_up > 0
        await live.follow(StoredBatch(owner, fix, datetime.now(UTC)))
        assert len(queries) == looked_up
        live.route_changed(owner.driver_id)
        await live.follow(StoredBatch(owner, fix, datetime.now(UTC)))
        assert len(queries) > looked_up
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert live.failures == 0


class _FailingFor(Predictor):
    """The real predictor, but broken for one driver."""

    def __init__(self, engine: EtaEngine, driver_id: uuid.UUID) -> None:
        super().__init__(engine.learned, engine.predictor.travel)
        self.broken = str(driver_id)

    def predict(self, **kwargs: Any) -> Any:
        if kwargs["driver_id"] == self.broken:
            raise RuntimeError("a bug in one driver's forecast")
        return super().predict(**kwargs)


def engine_broken_for(driver_id: uuid.UUID) -> EtaEngine:
    engine = EtaEngine(LearnedEta())
    engine.predictor = _FailingFor(engine, driver_id)
    return engine


def test_a_driver_whose_update_fails_is_rolled_back_alone(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    good, bad = (route_in_progress(client, org, f"eta-batch-{k}", code=f"BAT-{k}") for k in (1, 2))
    engine = engine_broken_for(uuid.UUID(bad["driver_id"]))
    live = LiveEta(database=db, bus=MemoryBus(), engine=engine)
    at = datetime.now(UTC)
    found = live._store(
        {uuid.UUID(route["driver_id"]): _Asked(org.org_id, HUB, at) for route in (good, bad)}
    )
    assert isinstance(found[uuid.UUID(bad["driver_id"])], RuntimeError)
    stored = found[uuid.UUID(good["driver_id"])]
    assert isinstance(stored, list)
    assert [eta.stop_id for eta in stored] == [uuid.UUID(s["id"]) for s in good["stops"]]
    with db.session() as session:
        shown = service.route_etas(session, org_id=org.org_id, route_id=uuid.UUID(good["id"]))
        assert all(stop.eta is not None for stop in shown.stops)
        shown = service.route_etas(session, org_id=org.org_id, route_id=uuid.UUID(bad["id"]))
        assert all(stop.eta is None for stop in shown.stops)
