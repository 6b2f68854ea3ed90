"""The ETA follower: a driver off route costs no query on each fix, a route change updates at
once, and one driver's failing update does not hold back the others updated with it."""

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
from lastmile.dispatch.driver_context import DriverContexts
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


def _follower(db: Database, min_interval_s: float) -> tuple[LiveEta, DriverContexts]:
    """An ETA follower on a context cache of its own, which reads again only when told."""
    contexts = DriverContexts(db, refresh_s=600.0)
    engine = EtaEngine(LearnedEta())
    live = LiveEta(
        database=db,
        bus=MemoryBus(),
        engine=engine,
        contexts=contexts,
        min_interval_s=min_interval_s,
    )
    return live, contexts


def _counting(db: Database) -> list[str]:
    queries: list[str] = []

    def count(*args: object) -> None:
        queries.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    return queries


@pytest.mark.parametrize("min_interval_s", [0.0, 600.0])
async def test_a_driver_off_route_is_not_looked_up_again_until_their_route_changes(
    db: Database, min_interval_s: float
) -> None:
    owner = _owner(db)
    fix = [TrackedFix(Fix(device_id="eta-1", at=datetime.now(UTC), lat=60.17, lon=24.94))]
    live, contexts = _follower(db, min_interval_s)
    queries = _counting(db)
    await live.follow(StoredBatch(owner, fix, datetime.now(UTC)))
    looked_up = len(queries)
    assert looked_up > 0
    await live.follow(StoredBatch(owner, fix, datetime.now(UTC)))
    assert len(queries) == looked_up
    contexts.route_changed(owner.driver_id)
    await live.follow(StoredBatch(owner, fix, datetime.now(UTC)))
    assert len(queries) > looked_up
    assert live.failures == 0
    assert live.updates == 0


async def test_a_route_change_updates_at_the_next_fix_within_the_interval(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    route = route_in_progress(client, org, "eta-change", code="CHG-1")
    driver = uuid.UUID(route["driver_id"])
    owner = DeviceOwner(org.org_id, driver, "eta-change")
    live, contexts = _follower(db, 600.0)

    def batch() -> StoredBatch:
        at = datetime.now(UTC)
        return StoredBatch(owner, [TrackedFix(Fix("eta-change", at, *HUB))], at)

    await live.follow(batch())
    assert live.updates == 1
    await live.follow(batch())
    assert live.updates == 1  # within the interval, on the same context
    contexts.route_changed(driver)
    await live.follow(batch())
    assert live.updates == 2
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
    live = LiveEta(database=db, bus=MemoryBus(), engine=engine, contexts=DriverContexts(db))
    at = datetime.now(UTC)
    found = live._store(
        {
            uuid.UUID(route["driver_id"]): _Asked(org.org_id, uuid.UUID(route["id"]), HUB, at)
            for route in (good, bad)
        }
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


class _Recording(LiveEta):
    """The follower, noting the position each update was asked from."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.asked: list[_Asked] = []

    async def _update(self, owner: DeviceOwner, asked: _Asked) -> None:
        self.asked.append(asked)
        await super()._update(owner, asked)


async def test_a_suspect_fix_moves_no_eta_the_last_trusted_one_does(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    route = route_in_progress(client, org, "eta-suspect", code="SUS-1")
    owner = DeviceOwner(org.org_id, uuid.UUID(route["driver_id"]), "eta-suspect")
    live = _Recording(
        database=db,
        bus=MemoryBus(),
        engine=EtaEngine(LearnedEta()),
        contexts=DriverContexts(db, refresh_s=600.0),
        min_interval_s=0.0,
    )
    far = (HUB[0] + 1.0, HUB[1] + 1.0)  # where the teleported track went

    def tracked(at: datetime, position: tuple[float, float], *, suspect: bool) -> TrackedFix:
        return TrackedFix(Fix("eta-suspect", at, *position), suspect=suspect)

    at = datetime.now(UTC)
    await live.follow(StoredBatch(owner, [tracked(at, far, suspect=True)], at))
    assert live.asked == []
    assert live.updates == 0
    batch = [tracked(at, HUB, suspect=False), tracked(datetime.now(UTC), far, suspect=True)]
    await live.follow(StoredBatch(owner, batch, at))
    assert [(a.position, a.fix_at) for a in live.asked] == [(HUB, at)]
    assert live.updates == 1
    assert live.failures == 0
