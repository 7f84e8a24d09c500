"""The no-overlap invariant's exclusion constraint is declared once in `store/tables.py`
and created by the migrations: on PostgreSQL the two must be the same constraint, so the
declaration a newcomer reads is the one the database enforces."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from slotbook.store.tables import metadata

CONSTRAINT = "bookings_no_overlap"
DECLARED = "declared_by_tables"


async def definition(conn: AsyncConnection, schema: str) -> str:
    query = text(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c"
        " JOIN pg_class t ON t.oid = c.conrelid"
        " JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = :schema AND t.relname = 'bookings' AND c.conname = :name"
    )
    return (await conn.execute(query, {"schema": schema, "name": CONSTRAINT})).scalar_one()


async def test_tables_declares_the_exclusion_constraint_the_migrations_create(postgresql_url):
    engine = create_async_engine(postgresql_url)
    try:
        async with engine.connect() as conn:  # DDL is transactional: all rolled back
            migrated = await definition(conn, "public")
            await conn.execute(text(f"CREATE SCHEMA {DECLARED}"))
            declared = await conn.execution_options(schema_translate_map={None: DECLARED})
            await declared.run_sync(metadata.create_all)
            from_tables = await definition(conn, DECLARED)
            await conn.rollback()
    finally:
        await engine.dispose()
    assert "EXCLUDE USING gist" in migrated
    assert from_tables == migrated
