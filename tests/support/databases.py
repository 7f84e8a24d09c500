"""Fresh databases for a test run: an SQLite file, and a PostgreSQL database of its own.

PostgreSQL (and Redis) suites skip with a reason when the server cannot be reached,
unless SLOTBOOK_REQUIRE_SERVICES=1 (as in CI), where they fail instead.
"""

import asyncio
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from slotbook.store.migrate import upgrade
from slotbook.store.tables import metadata

T = TypeVar("T")

POSTGRES_ADMIN_URL = os.environ.get(
    "SLOTBOOK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("SLOTBOOK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("SLOTBOOK_REQUIRE_SERVICES") == "1"


def in_thread(fn: Callable[..., T], *args: object) -> T:
    """Run blocking setup (Alembic, asyncio.run) off the test's running event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def unavailable(what: str, exc: BaseException) -> None:
    """Skip (or, when services are required, fail) because `what` cannot be reached."""
    reason = f"{what} unreachable ({type(exc).__name__}: {exc})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}; SLOTBOOK_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(f"{reason}; start it or set SLOTBOOK_TEST_POSTGRES_URL / _REDIS_URL")


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_postgres_database() -> str:
    """Create and migrate a database of this run's own; returns its async URL."""
    name = f"slotbook_test_{uuid.uuid4().hex[:12]}"
    try:
        in_thread(asyncio.run, _admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL}", exc)
    url = _with_database(POSTGRES_ADMIN_URL, name).replace(
        "postgresql://", "postgresql+asyncpg://", 1
    )
    in_thread(upgrade, url)
    return url


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    in_thread(asyncio.run, _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def create_sqlite_database(directory: Path) -> str:
    url = f"sqlite+aiosqlite:///{directory / 'slotbook.db'}"
    in_thread(upgrade, url)
    return url


#: children before parents, so that deleting in this order meets no foreign key
TABLES = [table.name for table in reversed(metadata.sorted_tables)]
#: every table emptied and the ids restarted at 1, in one transaction and one round trip
#: (`TRUNCATE … RESTART IDENTITY` gives each table new files: 150-600 ms a test where
#: deleting the few rows a test wrote takes a few ms)
POSTGRES_WIPE = "; ".join(
    [
        "BEGIN",
        *(f"DELETE FROM {name}" for name in TABLES),
        "SELECT setval(oid::regclass, 1, false) FROM pg_class"
        " WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace",
        "COMMIT",
    ]
)


async def wipe(url: str) -> None:
    """Empty every table, so each test starts from a blank database."""
    if url.startswith("postgresql"):
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            await conn.execute(POSTGRES_WIPE)  # no arguments: one simple-protocol message
        finally:
            await conn.close()
        return
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for name in TABLES:
                await conn.execute(text(f"DELETE FROM {name}"))
    finally:
        await engine.dispose()
