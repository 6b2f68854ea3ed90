"""Writers on the embedded database (SQLite) take turns instead of failing.

SQLite allows one writer at a time. A transaction opened with a plain (deferred) `BEGIN`
that reads and then writes must upgrade its lock, and in WAL mode that upgrade fails at
once with SQLITE_BUSY, whatever the busy timeout, when another writer committed since the
read: the snapshot it read is stale and waiting would not refresh it. So a transaction that
will write says so at its start (`writing()`): it then begins with `BEGIN IMMEDIATE`, which
waits its turn for the write lock within the busy timeout. Reads stay deferred and never wait.

Where a busy error can still happen (a read-only transaction that writes after all, a wait
longer than the busy timeout), the unit of work (`Unit`) that met it is run again, with the
write lock taken at BEGIN, as long as none of its transactions committed a change.
PostgreSQL ignores all of this: `begin` and `commit` listeners are installed on SQLite only.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)


DEFAULT_ATTEMPTS = 4
"""A first try, then three more with the write lock taken at BEGIN."""

_writes: ContextVar[bool] = ContextVar("lastmile_db_writes", default=False)


@contextmanager
def writing(writes: bool = True) -> Iterator[None]:
    """Transactions begun inside take the write lock at BEGIN (SQLite's `BEGIN IMMEDIATE`)."""
    token = _writes.set(writes)
    try:
        yield
    finally:
        _writes.reset(token)


def reading() -> AbstractContextManager[None]:
    """Transactions begun inside are deferred: for the reads a write request makes before slow
    work (hashing a password, solving a plan), so that no lock is held while it runs."""
    return writing(False)


@dataclass(eq=False)
class Unit:
    """One unit of work that can run again from the start: an HTTP request, a worker's batch."""

    parent: "Unit | None" = None
    committed: bool = False
    busy: bool = False

    def saw_commit(self) -> None:
        unit: Unit | None = self
        while unit is not None:
            unit.committed = True
            unit = unit.parent

    def saw_busy(self) -> None:
        unit: Unit | None = self
        while unit is not None:
            unit.busy = True
            unit = unit.parent

    @property
    def may_run_again(self) -> bool:
        """Busy, and nothing it did is committed: running it again changes nothing twice."""
        return self.busy and not self.committed


_unit: ContextVar[Unit | None] = ContextVar("lastmile_db_unit", default=None)


@contextmanager
def unit_of_work() -> Iterator[Unit]:
    """Track whether the work inside committed a change and whether it met a busy database."""
    unit = Unit(parent=_unit.get())
    token = _unit.set(unit)
    try:
        yield unit
    finally:
        _unit.reset(token)


def is_busy(error: BaseException) -> bool:
    """SQLite's SQLITE_BUSY ("database is locked"), wrapped by SQLAlchemy or not."""
    orig = error.orig if isinstance(error, OperationalError) else error
    return "database is locked" in str(orig) or getattr(orig, "sqlite_errorname", "").startswith(
        "SQLITE_BUSY"
    )


def retry_when_busy[T](work: Callable[[], T], *, attempts: int = DEFAULT_ATTEMPTS) -> T:
    """`work()`, run again (up to `attempts` in all) when it met a busy database and committed
    nothing; the runs after the first take the write lock at BEGIN, so they only wait."""
    for attempt in range(1, attempts + 1):
        with unit_of_work() as unit, writing() if attempt > 1 else nullcontext():
            try:
                return work()
            except OperationalError as error:
                if not (is_busy(error) and unit.may_run_again) or attempt == attempts:
                    raise
                log.info("SQLite was busy; running the unit of work again (attempt %d)", attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")


def install(engine: Engine) -> None:
    """BEGIN as the context asks; note commits of changes and busy errors on the current unit."""

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writes.get() else "BEGIN")
        connection.info["lastmile_changes_at_begin"] = _total_changes(connection)

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Connection) -> None:
        unit = _unit.get()
        if unit is None:
            return
        if _total_changes(connection) != connection.info.get("lastmile_changes_at_begin"):
            unit.saw_commit()

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        unit = _unit.get()
        if unit is not None and is_busy(context.original_exception):
            unit.saw_busy()


def changed_since_begin(connection: Connection) -> bool:
    """Whether the SQLite connection's transaction changed a row so far (True when unknown:
    its engine was made without `install`)."""
    at_begin = connection.info.get("lastmile_changes_at_begin")
    return at_begin is None or _total_changes(connection) != at_begin


def _total_changes(connection: Connection) -> int:
    """Rows changed on this SQLite connection since it opened (sqlite3_total_changes)."""
    raw = connection.connection.dbapi_connection
    return int(getattr(raw, "total_changes", 0))
