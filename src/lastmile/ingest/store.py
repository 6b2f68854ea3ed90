"""Durable storage of fixes: binary COPY on PostgreSQL, batched inserts on SQLite.

A batch is written in one transaction together with the latest position of each driver in it;
a fix already stored (same driver, same time) is skipped, so re-sent batches are harmless.
"""

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from psycopg import Cursor
from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, Executable, Table, delete, text
from sqlalchemy.dialects import postgresql, sqlite

from lastmile.db import Database
from lastmile.ingest.models import QUALITY_OK, DriverPosition, fixes

log = logging.getLogger(__name__)


class StoredFix(NamedTuple):
    """One row of `fixes`, its fields in the table's column order: a decoded fix, whose driver
    it is, and what the pipeline made of it. A tuple, so that COPY takes it as it is."""

    driver_id: uuid.UUID
    at: datetime
    org_id: uuid.UUID
    device_id: str
    received_at: datetime
    lat: float
    lon: float
    smoothed_lat: float | None = None
    smoothed_lon: float | None = None
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None
    altitude_m: float | None = None
    battery_pct: float | None = None
    mock: bool = False
    quality: str = QUALITY_OK
    suspect: bool = False


COLUMNS = StoredFix._fields


SMALL_BATCH = 64
"""At most this many rows go in by one pipelined INSERT instead of COPY: for the single fixes
that phones send, COPY's savepoint cost more than the rows (bench/load.py)."""
_COLUMN_LIST = ", ".join(COLUMNS)
_INSERT = (
    f"INSERT INTO fixes ({_COLUMN_LIST}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
    "ON CONFLICT DO NOTHING"
)


def partition_name(day: date) -> str:
    return f"fixes_p{day:%Y%m%d}"


_POSTGRESQL = postgresql.dialect()  # type: ignore[no-untyped-call]
COPY_TYPES = tuple(
    fixes.c[name].type.compile(dialect=_POSTGRESQL).split("(")[0].lower() for name in COLUMNS
)
"""The columns' PostgreSQL types, for COPY's binary format: it dumps each value by its column's
type instead of looking up a dumper for each value, about five times faster than text."""


def _copy_rows(cursor: Cursor[Any], table: str, batch: Sequence[StoredFix]) -> None:
    with cursor.copy(f"COPY {table} ({_COLUMN_LIST}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(COPY_TYPES)
        for fix in batch:
            copy.write_row(fix)


class FixStore:
    """Writes batches of fixes; one instance per process, safe to call from one writer thread."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.dialect = database.dialect
        self._partitions: set[date] = set()
        self.resent_batches = 0
        self._upsert = _position_upsert(self.dialect)

    def write(self, batch: Sequence[StoredFix]) -> None:
        """Store the batch durably (committed) or raise; nothing is half-stored."""
        if not batch:
            return
        with self.database.session(writes=True) as session:
            connection = session.connection()
            if self.dialect == "postgresql":
                self._ensure_partitions(connection, {f.at.astimezone(UTC).date() for f in batch})
                if len(batch) <= SMALL_BATCH:
                    self._insert_few(connection, batch)
                else:
                    self._copy(connection, batch)
            else:
                self._insert(connection, batch)
            self._upsert_positions(connection, batch)
            session.commit()

    def _insert(self, connection: Connection, batch: Sequence[StoredFix]) -> None:
        statement = sqlite.insert(fixes).on_conflict_do_nothing()
        connection.execute(statement, [f._asdict() for f in batch])

    def _insert_few(self, connection: Connection, batch: Sequence[StoredFix]) -> None:
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.executemany(_INSERT, batch)
            if cursor.rowcount < len(batch):
                self.resent_batches += 1

    def _copy(self, connection: Connection, batch: Sequence[StoredFix]) -> None:
        """COPY straight into `fixes`; if a row is already there (a re-sent batch), go round by
        a staging table and `ON CONFLICT DO NOTHING` instead."""
        raw = connection.connection.driver_connection
        assert raw is not None
        try:
            with connection.begin_nested(), raw.cursor() as cursor:
                _copy_rows(cursor, "fixes", batch)
            return
        except UniqueViolation:
            self.resent_batches += 1
        with raw.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS fixes_incoming (LIKE fixes INCLUDING DEFAULTS)"
            )
            _copy_rows(cursor, "fixes_incoming", batch)
            cursor.execute(
                f"INSERT INTO fixes ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM fixes_incoming "
                "ON CONFLICT DO NOTHING"
            )
            cursor.execute("TRUNCATE fixes_incoming")

    def _ensure_partitions(self, connection: Connection, days: set[date]) -> None:
        for day in sorted(days - self._partitions):
            name = partition_name(day)
            start, end = day.isoformat(), (day + timedelta(days=1)).isoformat()
            try:
                with connection.begin_nested():
                    connection.execute(
                        text(
                            f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF fixes '
                            f"FOR VALUES FROM ('{start}') TO ('{end}')"
                        )
                    )
            except Exception as error:  # the default partition still takes the rows
                log.warning(
                    "fix partition %s not created (rows go to the default): %s", name, error
                )
            self._partitions.add(day)

    def _upsert_positions(self, connection: Connection, batch: Sequence[StoredFix]) -> None:
        newest: dict[uuid.UUID, StoredFix] = {}
        for fix in batch:
            if fix.quality != QUALITY_OK:
                continue
            current = newest.get(fix.driver_id)
            if current is None or fix.at > current.at:
                newest[fix.driver_id] = fix
        if not newest:
            return
        rows = [
            {"driver_id": f.driver_id, **{c: getattr(f, c) for c in _POSITION_COLUMNS}}
            # A fixed order, so that concurrent writers lock rows alike and never deadlock.
            for f in sorted(newest.values(), key=lambda f: f.driver_id)
        ]
        connection.execute(self._upsert, rows)

    def purge_before(self, cutoff: datetime) -> None:
        """Retention: drop day partitions before `cutoff` (PostgreSQL), then delete older rows."""
        with self.database.session(writes=True) as session:
            connection = session.connection()
            if self.dialect == "postgresql":
                names = connection.scalars(
                    text(
                        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'fixes'"
                    )
                ).all()
                for name in names:
                    if name.startswith("fixes_p") and name < partition_name(cutoff.date()):
                        connection.execute(text(f'DROP TABLE "{name}"'))
                        self._partitions.discard(datetime.strptime(name[7:], "%Y%m%d").date())
            connection.execute(delete(fixes).where(fixes.c.at < cutoff))
            session.commit()


_POSITION_COLUMNS = (
    "org_id",
    "device_id",
    "at",
    "received_at",
    "lat",
    "lon",
    "accuracy_m",
    "speed_mps",
    "heading_deg",
    "battery_pct",
    "mock",
    "suspect",
)


def _position_upsert(dialect: str) -> Executable:
    """Insert a driver's latest position or move it forward in time, never back; built once."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = DriverPosition.__table__
    assert isinstance(table, Table)
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=["driver_id"],
        set_={c: statement.excluded[c] for c in _POSITION_COLUMNS},
        where=table.c.at < statement.excluded.at,
    )
