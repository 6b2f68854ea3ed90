import time
import uuid

import pytest
from testkit.databases import selects_sent
from tests.common import make_org

from lastmile.db import Database
from lastmile.errors import NotFound
from lastmile.fleet import service as fleet
from lastmile.ingest.devices import UNKNOWN_DEVICE_CACHE_S, DeviceDirectory
from lastmile.orgsettings import service as orgsettings

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
    assert len(queries) == 2, "the devices, and the organisations accepting only issued ids"


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


def _issued_ids_only(db: Database, org_id: uuid.UUID) -> None:
    """The setting turned on in another process: this directory is not told."""
    with db.session() as session:
        orgsettings.update_rules(
            session=session, org_id=org_id, changes={"osmand_issued_ids_only": True}
        )
        session.commit()


async def test_a_refused_device_takes_the_unknown_path_on_an_open_protocol(db: Database) -> None:
    org = make_org(db, "Issued only")
    driver = _driver(db, org.org_id, "by-hand")
    with db.session() as session:
        issued = fleet.issue_device_id(session=session, org_id=org.org_id, driver_id=driver)
        session.commit()
    _issued_ids_only(db, org.org_id)
    directory = DeviceDirectory(db)
    assert (await directory.owner(issued, open_protocol=True)).issued
    assert (await directory.owner("by-hand")).driver_id == driver, "a credential's caller: yes"
    lookups = directory.lookups
    for identifier in ("by-hand", "nobody-has-this"):
        with pytest.raises(NotFound, match=f"'{identifier}' is not registered"):
            await directory.owner(identifier, open_protocol=True)
        with pytest.raises(NotFound):  # remembered as briefly as an unknown id
            await directory.owner(identifier, open_protocol=True)
        assert directory.lookups == lookups + 1, "looked up alone, as an unknown id is"
        assert directory._looked_up[identifier][0] < time.monotonic() + UNKNOWN_DEVICE_CACHE_S
        lookups = directory.lookups
    assert directory.unknown == 4


async def test_the_setting_counts_here_at_once_elsewhere_at_the_next_read(db: Database) -> None:
    org = make_org(db, "Switching")
    _driver(db, org.org_id, "by-hand-2")
    directory = DeviceDirectory(db, refresh_s=0.0)
    await directory.owner("by-hand-2", open_protocol=True)
    _issued_ids_only(db, org.org_id)
    await directory.owner("by-hand-2", open_protocol=True)  # starts the next whole read
    assert directory._reading is not None
    await directory._reading
    directory.refresh_s = 3600.0  # no read beside the look-ups: tests share one connection
    with pytest.raises(NotFound):
        await directory.owner("by-hand-2", open_protocol=True)
    directory.issued_ids_only(org.org_id, False)
    assert (await directory.owner("by-hand-2", open_protocol=True)).issued is False
    directory.issued_ids_only(org.org_id, True)
    with pytest.raises(NotFound):
        await directory.owner("by-hand-2", open_protocol=True)


def test_an_issued_id_stays_issued_when_the_drivers_devices_are_edited(db: Database) -> None:
    org = make_org(db, "Edited")
    driver = _driver(db, org.org_id, "old-phone")
    with db.session() as session:
        issued = fleet.issue_device_id(session=session, org_id=org.org_id, driver_id=driver)
        fleet.update_driver(
            session=session, org_id=org.org_id, driver_id=driver, device_ids=[issued, "new-phone"]
        )
        session.commit()
        found = {i: (o, d, flag) for i, o, d, flag in fleet.device_owners(session=session)}
    assert {i: flag for i, (o, _, flag) in found.items() if o == org.org_id} == {
        issued: True,
        "new-phone": False,
    }
