"""Test databases: throw-away PostgreSQL schemas, and a counter of the queries sent."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from lastmile.db.engine import make_engine
from lastmile.db.migrate import upgrade


def postgres_reachable(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@contextmanager
def postgres_schema_url(base_url: str) -> Iterator[str]:
    """A database URL whose connections use a fresh schema, dropped afterwards."""
    schema = f"lastmile_scratch_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in base_url else "?"
        yield f"{base_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def postgres_schema_engine(base_url: str) -> Iterator[Engine]:
    """A migrated engine on a fresh schema of its own."""
    with postgres_schema_url(base_url) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


@contextmanager
def selects_sent(engine: Engine) -> Iterator[list[str]]:
    """The SELECT statements sent through `engine` while the block runs."""
    seen: list[str] = []

    def record(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
