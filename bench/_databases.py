"""Throw-away databases for benchmarks: a SQLite file, and a fresh PostgreSQL schema."""

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from lastmile.db.engine import make_engine
from lastmile.db.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "LASTMILE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()


@contextmanager
def postgres_engine() -> Iterator[Engine | None]:
    """A migrated engine on a schema of its own, or None when PostgreSQL is unreachable."""
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.connect():
            pass
    except OperationalError:
        admin.dispose()
        yield None
        return
    schema = f"lastmile_bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
