"""Alembic environment: always handed a connection by `lastmile.db.migrate`."""

from alembic import context

from lastmile.db.registry import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
