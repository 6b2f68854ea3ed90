import uuid

import pytest
from testkit.databases import selects_sent
from tests.common import make_org

from lastmile.db import Database
from lastmile.errors import NotFound
from lastmile.fleet import service as fleet
from lastmile.ingest.devices import DeviceDirectory

pytestmark = pytest.mark.anyio


def _driver(db: Database, org_id: uuid.UUID, *device_ids: str) -> uuid.UUID:
    with db.session() as session:
        driver = fleet.create_driver(
            session=session, org_id=org_id, name="D", phone=None, device_ids=list(device_ids)
        )
        session.commit()
        return driver.id


async def test_a_fleet_costs_one_read_not_a_query_per_phone(db: Database) -> None:
    org = make_org(db, "Fleet")
    drivers = [_driver(db, org.org_id, f"fleet-{i}") for i in range(50)]
    directory = DeviceDirectory(db)
    with selects_sent(db.engine) as queries:
        owners = [await directory.owner(f"fleet-{i}") for i in range(50)]
    assert [o.driver_id for o in owners] == drivers
    assert {o.org_id for o in owners} == {org.org_id}
    assert (directory.reads, directory.lookups) == (1, 0)
    assert len(queries) == 1


async def test_a_phone_registered_after_the_read_is_looked_up_alone(db: Database) -> None:
    org = make_org(db, "Late phone")
    _driver(db, org.org_id, "early")
    directory = DeviceDirectory(db)
    await directory.owner("early")
    with pytest.raises(NotFound, match="'late'"):
        await directory.owner("late")
    late_driver = _driver(db, org.org_id, "late")
    directory._looked_up.clear()  # the unknown id's brief memory, as if 2 s had passed
    assert (await directory.owner("late")).driver_id == late_driver
    assert directory.reads == 1
    assert directory.lookups == 2


async def test_a_change_here_counts_at_once(db: Database) -> None:
    org = make_org(db, "Moved phone")
    first = _driver(db, org.org_id, "shared-phone")
    bystander = _driver(db, org.org_id, "other-phone")
    directory = DeviceDirectory(db)
    assert (await directory.owner("shared-phone")).driver_id == first
    with db.session() as session:
        fleet.delete_driver(session=session, org_id=org.org_id, driver_id=first)
        session.commit()
    second = _driver(db, org.org_id, "shared-phone")
    directory.forget(["shared-phone"])
    assert (await directory.owner("shared-phone")).driver_id == second
    assert (await directory.owner("other-phone")).driver_id == bystander
    assert directory.lookups == 1


async def test_forgetting_everything_looks_every_phone_up(db: Database) -> None:
    org = make_org(db, "Everything")
    _driver(db, org.org_id, "e-1")
    directory = DeviceDirectory(db)
    await directory.owner("e-1")
    with db.session() as session:
        fleet.delete_driver(
            session=session, org_id=org.org_id, driver_id=(await directory.owner("e-1")).driver_id
        )
        session.commit()
    directory.forget()
    with pytest.raises(NotFound):
        await directory.owner("e-1")


async def test_the_copy_is_read_again_after_refresh_s(db: Database) -> None:
    org = make_org(db, "Refresh")
    _driver(db, org.org_id, "r-1")
    directory = DeviceDirectory(db, refresh_s=0.0)
    await directory.owner("r-1")
    await directory.owner("r-1")
    assert directory._reading is not None
    await directory._reading
    assert directory.reads == 2


async def test_unknown_identifiers_are_remembered_within_a_bound(db: Database) -> None:
    directory = DeviceDirectory(db, max_looked_up=10)
    for i in range(50):
        with pytest.raises(NotFound):
            await directory.owner(f"random-{i}")
    assert len(directory._looked_up) == 10
