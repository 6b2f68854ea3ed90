from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from lastmile.tables import is_partition, metadata


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, _: (
                    not (type_ == "table" and reflected and is_partition(name))
                ),
            },
        )
        assert compare_metadata(context, metadata) == []


def test_every_tenant_table_carries_org_id(engine: Engine) -> None:
    global_tables = {"organizations", "idempotency_records", "alembic_version"}
    # The address index is a shared map index, like the routing tiles (addresses/models.py).
    global_tables |= {"address_maps", "address_names", "address_grams", "address_points"}
    global_tables |= {t for t in inspect(engine).get_table_names() if is_partition(t)}
    inspector = inspect(engine)
    for table in set(inspector.get_table_names()) - global_tables:
        columns = {c["name"] for c in inspector.get_columns(table)}
        assert "org_id" in columns, table
