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


def test_concurrent_writers_never_deadlock_on_positions() -> None:
    """Two processes' batches touch the same drivers in opposite orders (PostgreSQL)."""
    import threading

    from testkit.databases import postgres_schema_engine
    from tests.conftest import POSTGRES_URL, require_postgres

    require_postgres()
    with postgres_schema_engine(POSTGRES_URL) as engine:
        database = Database(engine)
        org = make_org(database, "Deadlock").org_id
        drivers = [uuid.uuid4() for _ in range(50)]
        base = datetime.now(UTC) - timedelta(hours=1)
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def write(order: list[uuid.UUID], offset_s: int) -> None:
            store = FixStore(database)
            start.wait()
            try:
                for round_ in range(30):
                    at = base + timedelta(seconds=2 * round_ + offset_s)
                    store.write([_fix(driver, org, at) for driver in order])
            except BaseException as error:
                errors.append(error)

        threads = [
            threading.Thread(target=write, args=(drivers, 0)),
            threading.Thread(target=write, args=(list(reversed(drivers)), 1)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []


def test_a_resent_batch_is_stored_once_whatever_its_size(db: Database) -> None:
    from lastmile.ingest.store import SMALL_BATCH

    org = make_org(db, "Resent").org_id
    now = datetime.now(UTC)
    store = FixStore(db)
    for size in (1, SMALL_BATCH + 1):
        driver = uuid.uuid4()
        batch = [_fix(driver, org, now - timedelta(seconds=i)) for i in range(size)]
        before = _count(db)
        store.write(batch)
        store.write(batch)
        store.write([*batch[:1], _fix(driver, org, now + timedelta(seconds=1))])
        assert _count(db) - before == size + 1
    if db.dialect == "postgresql":
        assert store.resent_batches == 4


def test_every_column_reads_back_as_written_whatever_the_batch_size(db: Database) -> None:
    from lastmile.ingest.store import COLUMNS, SMALL_BATCH

    org = make_org(db, "Round trip").org_id
    now = datetime.now(UTC).replace(microsecond=123456)
    for size in (1, SMALL_BATCH + 1):
        driver = uuid.uuid4()
        full = StoredFix(
            driver_id=driver,
            org_id=org,
            device_id="phone-ü",
            at=now,
            received_at=now + timedelta(seconds=2),
            lat=60.123456789,
            lon=-24.5,
            smoothed_lat=60.1234,
            smoothed_lon=-24.4999,
            accuracy_m=4,
            speed_mps=12.5,
            heading_deg=359.9,
            altitude_m=-3.25,
            battery_pct=81.0,
            mock=True,
            quality="rejected:impossible_speed",
        )
        older = [_fix(driver, org, now - timedelta(seconds=i + 1)) for i in range(size - 1)]
        FixStore(db).write([full, *older])
        with db.session() as session:
            row = session.execute(
                select(*(fixes.c[name] for name in COLUMNS)).where(
                    fixes.c.driver_id == driver, fixes.c.at == now
                )
            ).one()
        assert tuple(row) == tuple(full)
        assert _count_of(db, driver) == size


def _count_of(db: Database, driver: uuid.UUID) -> int:
    with db.session() as session:
        query = select(func.count()).select_from(fixes).where(fixes.c.driver_id == driver)
        return int(session.scalar(query) or 0)
