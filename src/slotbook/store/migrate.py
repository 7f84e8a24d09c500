"""Apply the Alembic migrations programmatically (no alembic.ini needed)."""

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` to `revision`. Call outside an event loop."""
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str) -> None:
    """The same, from inside a running event loop (runs Alembic in a worker thread)."""
    await asyncio.to_thread(upgrade, database_url)


@dataclass(frozen=True)
class DatabaseState:
    """What `slotbook check` needs to know of a database."""

    applied: set[str]  # revisions the database is at
    heads: set[str]  # revisions the code is at
    now: datetime | None  # the database's clock (None: SQLite, this machine's clock)


def _applied(sync_conn: Connection) -> set[str]:
    return set(MigrationContext.configure(sync_conn).get_current_heads())


async def database_state(database_url: str) -> DatabaseState:
    """Connect and read revisions and clock; raises whatever stops the connection."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            applied = await conn.run_sync(_applied)
            now = None
            if conn.dialect.name != "sqlite":
                now = (await conn.exec_driver_sql("SELECT now()")).scalar_one()
    finally:
        await engine.dispose()
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    return DatabaseState(applied, heads, now)
