"""Writers on a SQLite file take turns: read-then-write transactions on threads never fail."""

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from tests.common import make_org
from tests.contention import file_database, in_parallel

from lastmile.auth.models import Organization
from lastmile.db import Database
from lastmile.db.contention import retry_when_busy, unit_of_work


def _count(database: Database, org_id: object) -> int:
    with database.session() as session:
        return int(session.scalar(select(Organization.name).where(Organization.id == org_id)) or 0)


def _read_then_write(database: Database, org_id: object, *, writes: bool) -> None:
    with database.session(writes=writes) as session:
        name = session.scalar(select(Organization.name).where(Organization.id == org_id))
        session.execute(
            update(Organization).where(Organization.id == org_id).values(name=str(int(name) + 1))
        )
        session.commit()


def _elsewhere(work: Callable[[], None]) -> None:
    """Another writer, on a thread of its own (outside the caller's unit of work), commits."""
    in_parallel(1, lambda _: work())


@pytest.fixture
def counter(tmp_path: Path) -> tuple[Database, object]:
    database = file_database(tmp_path)
    org = make_org(database, "0")
    return database, org.org_id


def test_a_deferred_read_then_write_fails_at_once_after_another_commit(
    counter: tuple[Database, object],
) -> None:
    """The cause: the upgrade from a stale snapshot is refused without waiting (busy_timeout)."""
    database, org_id = counter
    with database.session() as reader:
        reader.scalar(select(Organization.name).where(Organization.id == org_id))
        _read_then_write(database, org_id, writes=True)
        with pytest.raises(OperationalError, match="database is locked"):
            reader.execute(update(Organization).values(name="lost"))


def test_threads_that_read_then_write_all_succeed(counter: tuple[Database, object]) -> None:
    database, org_id = counter

    def work(_: int) -> None:
        for _ in range(10):
            _read_then_write(database, org_id, writes=True)

    in_parallel(16, work)
    assert _count(database, org_id) == 160


def test_a_unit_that_met_a_busy_database_runs_again(counter: tuple[Database, object]) -> None:
    database, org_id = counter
    runs = []

    def unit() -> None:
        runs.append(1)
        with database.session() as session:  # deferred: a GET that writes after all
            session.scalar(select(Organization.name).where(Organization.id == org_id))
            if len(runs) == 1:
                _elsewhere(lambda: _read_then_write(database, org_id, writes=True))
            session.execute(update(Organization).where(Organization.id == org_id).values(name="9"))
            session.commit()

    retry_when_busy(unit)
    assert len(runs) == 2
    assert _count(database, org_id) == 9


def test_a_unit_that_committed_is_not_run_again(counter: tuple[Database, object]) -> None:
    database, org_id = counter
    runs = []

    def unit() -> None:
        runs.append(1)
        _read_then_write(database, org_id, writes=True)  # committed: must not happen twice
        with database.session() as session:
            session.scalar(select(Organization.name).where(Organization.id == org_id))
            _elsewhere(lambda: _read_then_write(database, org_id, writes=True))
            session.execute(update(Organization).values(name="lost"))

    with pytest.raises(OperationalError, match="database is locked"):
        retry_when_busy(unit)
    assert len(runs) == 1
    assert _count(database, org_id) == 2


def test_a_read_only_commit_does_not_count_as_a_change(counter: tuple[Database, object]) -> None:
    database, org_id = counter
    with unit_of_work() as unit, database.session() as session:
        session.scalar(select(Organization.name).where(Organization.id == org_id))
        session.commit()
    assert not unit.committed
