"""Whether a transaction has written anything yet, asked of the database itself."""

from sqlalchemy import Connection

from lastmile.db import contention


def transaction_wrote(connection: Connection) -> bool:
    """True once the connection's current transaction changed a row (flush pending ORM
    changes first); a transaction that only read is False. PostgreSQL assigns a transaction
    id at the first write; SQLite counts changed rows from BEGIN (`contention`)."""
    if connection.dialect.name == "postgresql":
        return bool(
            connection.exec_driver_sql("SELECT txid_current_if_assigned() IS NOT NULL").scalar()
        )
    return contention.changed_since_begin(connection)
