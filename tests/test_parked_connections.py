"""PostgreSQL connections that ran single statements (`Database.autocommit`, a booking's
one statement) stay checked out between them, parked for the next: a unit of work that
needs one after a burst is never kept waiting by them, the pool gauge counts only the
connections doing work, and none is left open when the database handle is disposed."""

import asyncio

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, text

from slotbook.store.db import Database, driver_of
from tests.test_faults_database import admin, database_name

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

POOL_SIZE = 1  # two connections at most: a burst of two parks every one of them


def in_use() -> float:
    value = REGISTRY.get_sample_value("slotbook_db_pool_connections_in_use")
    assert value is not None
    return value


async def open_connections(database: str) -> int:
    conn = await admin()
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", database
        )
    finally:
        await conn.close()


async def burst(db: Database, statements: int) -> list[int]:
    """`statements` single statements at once; the backend pid each ran on."""
    together = asyncio.Barrier(statements)

    async def one() -> int:
        async with db.autocommit() as driver:
            await together.wait()  # every one holds its connection at the same time
            pid: int = await driver.fetchval("SELECT pg_backend_pid()")
            return pid

    return await asyncio.gather(*(one() for _ in range(statements)))


async def test_units_of_work_get_connections_the_single_statements_parked(database_url):
    db = Database(database_url, pool_size=POOL_SIZE, pool_timeout=1.0)
    before = in_use()
    try:
        first = await burst(db, 2)
        assert len(set(first)) == 2
        assert in_use() == before  # parked: not doing work
        again = await burst(db, 2)
        assert set(again) == set(first)  # the parked ones, not new connections

        async def unit() -> int:
            async with db.transaction(write=True) as conn:
                pid: int = (await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one()
                return pid

        # Both connections are parked: the units get them back, within the pool timeout
        # (Unavailable otherwise), while single statements run beside them.
        mixed = await asyncio.wait_for(
            asyncio.gather(unit(), unit(), *(burst(db, 1) for _ in range(4))), timeout=10
        )
        assert len(mixed) == 6
        assert in_use() == before
    finally:
        await db.dispose()
    assert await open_connections(database_name(database_url)) == 0


async def test_read_only_units_park_their_connection_whatever_runs_on_it(database_url):
    """A read-only unit runs its statements either straight on the driver or through
    SQLAlchemy (which begins a transaction of its own, a no-op under autocommit): either
    way the next one gets the same connection, with no checkout."""
    db = Database(database_url, pool_size=POOL_SIZE, pool_timeout=1.0)
    checkouts = []
    event.listen(db.engine.sync_engine, "checkout", lambda *_: checkouts.append(1))
    try:
        for _ in range(3):
            async with db.transaction(read_only=True) as conn:
                await conn.execute(text("SELECT 1"))
                assert conn.in_transaction()  # SQLAlchemy's own, under autocommit
            async with db.transaction(read_only=True) as conn:
                await driver_of(conn).fetchval("SELECT 1")
        assert len(checkouts) == 1
    finally:
        await db.dispose()
