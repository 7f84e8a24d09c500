"""The database handle: one engine, and one transaction per use case.

`Database.transaction(write=True)` is the only place a transaction is committed. On
SQLite a write transaction starts with `BEGIN IMMEDIATE`, so check-then-insert is
serialised across every process using the file; on PostgreSQL constraints decide.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from slotbook.errors import Busy, Unavailable

SQLITE_BUSY_TIMEOUT_MS = 30_000

#: The connection a unit of work runs on (only the store issues statements on it).
Connection = AsyncConnection
#: A constraint refused a write (the use case may know a better answer: a kept reply).
ConstraintViolation = IntegrityError


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, say when transactions start.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("slotbook_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _is_lock_timeout(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


class Database:
    """Owns the engine; hands out transactions."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # Errors name the statement, never its parameters (password hashes, emails, token
        # hashes would otherwise reach the log).
        options: dict[str, Any] = {"pool_pre_ping": False, "hide_parameters": True}
        if not self.is_sqlite:
            options |= {"pool_size": pool_size, "max_overflow": pool_size}
        self.engine = create_async_engine(url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        # SQLite has one writer at a time. Queueing this process's writers here, rather
        # than letting their connections race for the file lock, avoids the busy
        # handler's sleeps (the latency tail); BEGIN IMMEDIATE still guards across
        # processes. PostgreSQL needs no such queue.
        self._writers = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def transaction(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back on any error."""
        if write and self._writers is not None:
            async with self._writers, self._transaction(write=True) as conn:
                yield conn
        else:
            async with self._transaction(write=write) as conn:
                yield conn

    @asynccontextmanager
    async def _transaction(self, *, write: bool) -> AsyncIterator[AsyncConnection]:
        conn = self.engine.connect()
        try:
            await conn.start()
        except (DBAPIError, OSError) as exc:
            raise Unavailable() from exc
        try:
            if write:
                await conn.execution_options(slotbook_write=True)
            async with conn.begin():
                yield conn
        except DBAPIError as exc:
            if _is_lock_timeout(exc):
                raise Busy() from exc
            raise
        finally:
            await conn.close()

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        await self.engine.dispose()
