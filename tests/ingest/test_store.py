import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from tests.common import make_org

from lastmile.db import Database
from lastmile.ingest.models import fixes
from lastmile.ingest.store import FixStore, StoredFix, partition_name


def _fix(driver: uuid.UUID, org: uuid.UUID, at: datetime, quality: str = "ok") -> StoredFix:
    return StoredFix(
        driver_id=driver,
        org_id=org,
        device_id="d",
        at=at,
        received_at=at,
        lat=60.0,
        lon=25.0,
        quality=quality,
    )


def _count(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(fixes)) or 0)


def test_retention_drops_old_days_and_keeps_recent_ones(db: Database) -> None:
    org = make_org(db, "R").org_id
    driver = uuid.uuid4()
    now = datetime.now(UTC)
    store = FixStore(db)
    store.write([_fix(driver, org, now - timedelta(days=d)) for d in (0, 1, 40, 100, 101)])
    assert _count(db) == 5
    store.purge_before(now - timedelta(days=90))
    assert _count(db) == 3


def test_postgresql_rows_land_in_day_partitions(db: Database) -> None:
    if db.dialect != "postgresql":
        return
    org = make_org(db, "P").org_id
    day = datetime(2026, 3, 1, 12, tzinfo=UTC)
    FixStore(db).write([_fix(uuid.uuid4(), org, day)])
    with db.session() as session:
        holder = session.scalar(text("SELECT tableoid::regclass::text FROM fixes"))
    assert holder == partition_name(day.date())


def test_only_accepted_fixes_move_the_latest_position(db: Database) -> None:
    from lastmile.ingest.models import DriverPosition

    org = make_org(db, "Q").org_id
    driver = uuid.uuid4()
    now = datetime.now(UTC)
    store = FixStore(db)
    store.write([_fix(driver, org, now - timedelta(minutes=5))])
    store.write([_fix(driver, org, now, quality="rejected:accuracy")])
    store.write([_fix(driver, org, now - timedelta(minutes=9))])
    with db.session() as session:
        position = session.get(DriverPosition, driver)
    assert position is not None
    assert position.at == now - timedelta(minutes=5)
