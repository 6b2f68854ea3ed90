"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from lastmile.db import contention

SQLITE_PRAGMAS = (
    # First: switching a new file to WAL needs the lock another process may hold, so wait.
    "PRAGMA busy_timeout=10000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)


CONNECT_TIMEOUT_S = 5
"""A PostgreSQL that does not answer a new connection (a network cut, not a refusal)."""
POOL_TIMEOUT_S = 10.0
"""The longest a request waits for a free connection before answering 503 (SQLAlchemy's
default is 30 s, past most clients' own timeouts)."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and real transactions."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # Pre-ping: after PostgreSQL restarted, every pooled connection is dead; each is found so
    # and replaced as it is checked out, and requests recover with no restart of ours.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=20,
        max_overflow=10,
        pool_timeout=POOL_TIMEOUT_S,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
        **kwargs,
    )


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and breaks SAVEPOINT; we emit BEGIN ourselves, and
    # IMMEDIATE for a transaction that will write (see `contention`).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    contention.install(engine)


class Database:
    """The engine plus how to open sessions on it; tests bind sessions to one connection."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session] | None = None) -> None:
        self.engine = engine
        self.sessions = sessions or sessionmaker(bind=engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> "Database":
        return cls(make_engine(url))

    @contextmanager
    def session(self, *, writes: bool = False) -> Iterator[Session]:
        """A session; the caller commits, anything uncommitted is rolled back on exit.

        `writes`: its transactions will write, so on SQLite they take the write lock when they
        begin (waiting for it) rather than fail to upgrade a read lock later (see `contention`).
        """
        with contention.writing() if writes else nullcontext(), self.sessions() as session:
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name
