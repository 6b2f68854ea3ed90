"""Telling a database that went away (a restart, a network cut) from a failing statement."""

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from lastmile.db.contention import is_busy

_UNREACHABLE_SQLSTATES = ("08", "57P")
"""PostgreSQL's connection exceptions, and operator intervention: an administrator's or a
crash's shutdown, or a server still starting up (57P01..57P03)."""


def is_unavailable(error: BaseException) -> bool:
    """The database could not be reached or dropped the connection; a request met with this
    may succeed in a moment, when it is back (the pool then replaces its connections).

    psycopg reports a connection it could not open, or one that broke, with no SQLSTATE.
    """
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError) or is_busy(error):
        return False
    if not type(error.orig).__module__.startswith("psycopg"):
        return False
    state: str | None = getattr(error.orig, "sqlstate", None)
    return state is None or state.startswith(_UNREACHABLE_SQLSTATES)


def reachable(engine: Engine) -> bool:
    """Whether a statement gets through now (for `/healthz`)."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except (DBAPIError, PoolTimeout) as error:
        if isinstance(error, DBAPIError) and not is_unavailable(error) and not is_busy(error):
            raise
        return False
    return True
