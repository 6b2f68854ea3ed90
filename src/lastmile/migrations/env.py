"""Alembic environment: always handed a connection by `lastmile.db.migrate`."""

from typing import Any

from alembic import context

from lastmile.tables import is_partition, metadata


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (type_ == "table" and reflected and name is not None and is_partition(name))


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    transaction_per_migration=False,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
