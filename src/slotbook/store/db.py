"""The database handle: one engine, and one transaction per use case.

`Database.transaction(write=True)` is the only place a transaction is committed. On
SQLite a write transaction starts with `BEGIN IMMEDIATE`, so check-then-insert is
serialised across every process using the file; on PostgreSQL constraints decide.

Whatever goes wrong with the database itself comes out of a transaction as a domain
error the surfaces render as a 503 with `Retry-After`, never as a bare exception:
- the connection dropped before the commit (a restart, a killed backend, an idle
  reaper): `Disconnected`, or PostgreSQL aborted the transaction to break a deadlock:
  `Deadlocked`; either way nothing was committed and the unit may be run again;
- no connection could be made, none was free in the pool in time, a statement or the
  commit did not answer in time, or the connection dropped during the commit (it may or
  may not have committed): `Unavailable`;
- SQLite stayed locked past its busy timeout: `Busy`.
"""

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any, NoReturn, TypeVar

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import PoolResetState

from slotbook.errors import Busy, Deadlocked, Disconnected, StatementLost, Unavailable
from slotbook.observability.metrics import POOL_IN_USE
from slotbook.settings import Settings

log = logging.getLogger("slotbook.db")

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: SQLSTATEs of a transaction PostgreSQL aborted so that others could go on
DEADLOCK_DETECTED, SERIALIZATION_FAILURE = "40P01", "40001"
#: defaults of the timeouts (seconds) and pool size; see `Settings` for each
CONNECT_TIMEOUT = STATEMENT_TIMEOUT = POOL_TIMEOUT = 5.0
POOL_SIZE = 10

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

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_conn: Any, _record: Any, state: PoolResetState) -> None:
        # The pool's own reset (`pool_reset_on_return`, off) rolls back every connection
        # given back, in a hop to the driver's thread: only one left in a transaction
        # needs it (`write_at_once`'s never is).
        if state.transaction_was_reset or not state.asyncio_safe:
            return
        if dbapi_conn.driver_connection.in_transaction:
            dbapi_conn.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("slotbook_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _count_pool_use(engine: AsyncEngine) -> None:
    """Keep the `slotbook_db_pool_connections_in_use` gauge current."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _out(*_: Any) -> None:
        POOL_IN_USE.inc()

    @event.listens_for(engine.sync_engine, "checkin")
    def _in(*_: Any) -> None:
        POOL_IN_USE.dec()


def driver_of(conn: AsyncConnection) -> Any:
    """The driver's own connection under a started one (asyncpg's or aiosqlite's), read
    from what SQLAlchemy holds: no hop to its greenlet (`get_raw_connection`'s)."""
    held = conn.sync_connection
    assert held is not None, "a started connection"
    return held.connection.driver_connection


def _is_lock_timeout(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


def _lost(exc: BaseException) -> bool:
    """The connection dropped, or its server stopped answering: it is no use any more."""
    return isinstance(exc, TimeoutError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def _as_domain_error(exc: BaseException, *, committing: bool) -> BaseException:
    """What a failure of the database itself means to a client (`exc` if it is none)."""
    if isinstance(exc, DBAPIError):
        if _is_lock_timeout(exc):
            return Busy()
        if exc.connection_invalidated:
            return Unavailable() if committing else Disconnected()
        if getattr(exc.orig, "sqlstate", None) in (DEADLOCK_DETECTED, SERIALIZATION_FAILURE):
            return Deadlocked()
    elif isinstance(exc, TimeoutError):  # asyncpg's command timeout, or a connect timeout
        return Unavailable("The booking store did not answer in time")
    return exc


def _raise_as_domain_error(exc: BaseException, *, committing: bool) -> NoReturn:
    """Raise what a failure of the database means to a client, or `exc` itself."""
    failure = _as_domain_error(exc, committing=committing)
    if failure is exc:
        raise exc
    raise failure from exc


#: what asyncpg raises when its connection is gone (killed, closed, reset)
_DRIVER_LOST = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)


#: `_DRIVER_LOST`, and what asyncpg raises when the server's goodbye (a terminated backend)
#: arrives as a statement starts (its protocol left mid-way: no use any more either)
_DRIVER_LOST_MIDWAY = (*_DRIVER_LOST, asyncpg.exceptions.InternalClientError)


def _in_one_transaction(driver: Any, work: Callable[[sqlite3.Connection], T | None]) -> T | None:
    """`Database.write_at_once` on the connection's own thread (`driver._conn` may be
    used only there)."""
    conn: sqlite3.Connection = driver._conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        done = work(conn)
        conn.execute("COMMIT" if done is not None else "ROLLBACK")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return done


class _Turn:
    """A unit's turn at the pool (`Database._take_turn`, `_give_turn`) as an async
    context manager: a class, not a generator, since every unit enters one."""

    __slots__ = ("_db",)

    def __init__(self, db: "Database") -> None:
        self._db = db

    async def __aenter__(self) -> None:
        await self._db._take_turn()

    async def __aexit__(self, *_: object) -> None:
        self._db._give_turn()


class Database:
    """Owns the engine; hands out transactions."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = POOL_SIZE,
        connect_timeout: float = CONNECT_TIMEOUT,
        statement_timeout: float = STATEMENT_TIMEOUT,
        pool_timeout: float = POOL_TIMEOUT,
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.connect_timeout = connect_timeout
        # Errors name the statement, never its parameters (password hashes, emails, token
        # hashes would otherwise reach the log).
        options: dict[str, Any] = {"pool_pre_ping": False, "hide_parameters": True}
        if not self.is_sqlite:
            # Up to twice `pool_size` connections, each kept once opened: an overflow
            # connection was closed whenever a burst of units ended before their waiters
            # ran, and opened again (a server process, every statement prepared anew)
            # moments later, dozens of times a second under load.
            options |= {
                "pool_size": 2 * pool_size,
                "max_overflow": 0,
                "pool_timeout": pool_timeout,
                # asyncpg: `timeout` bounds making a connection, `command_timeout` every
                # statement (the commit included); both raise TimeoutError.
                "connect_args": {"timeout": connect_timeout, "command_timeout": statement_timeout},
            }
        else:
            options["pool_reset_on_return"] = None  # `_configure_sqlite` resets what needs it
        self.engine = create_async_engine(url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        _count_pool_use(self.engine)
        # SQLite has one writer at a time. Queueing this process's writers here, rather
        # than letting their connections race for the file lock, avoids the busy
        # handler's sleeps (the latency tail); BEGIN IMMEDIATE still guards across
        # processes. PostgreSQL needs no such queue.
        self._writers = asyncio.Lock() if self.is_sqlite else None
        # PostgreSQL: connections go to the units of this process in the order they
        # asked. The pool's own wait lets a newcomer take a connection a waiter was
        # woken for, so under a burst bigger than the pool some waited out
        # `pool_timeout` (503s, the hot-slot benchmark's tail) while most were served
        # at once.
        self._turns = None if self.is_sqlite else asyncio.Semaphore(2 * pool_size)
        self._turn = _Turn(self)
        self._pool_timeout = pool_timeout
        # A connection that ran single statements (`autocommit`), a read-only unit on
        # PostgreSQL or a write in one go on SQLite (`write_at_once`) stays checked out,
        # parked for the next such use to take without a checkout; on PostgreSQL any
        # checkout that would find the pool empty closes a parked one first.
        self._capacity = 2 * pool_size
        self._checked_out = 0  # in use, parked, or about to be checked out
        self._parked: list[tuple[AsyncConnection, Any]] = []

    @classmethod
    def for_settings(cls, settings: Settings) -> "Database":
        return cls(
            settings.database_url,
            pool_size=settings.db_pool_size,
            connect_timeout=settings.db_connect_timeout_seconds,
            statement_timeout=settings.db_statement_timeout_seconds,
            pool_timeout=settings.db_pool_timeout_seconds,
        )

    def transaction(
        self, *, write: bool = False, read_only: bool = False
    ) -> AbstractAsyncContextManager[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back on any error.
        `read_only` (a block that only reads): on PostgreSQL none, each statement its own
        snapshot as under READ COMMITTED inside one, without the BEGIN and COMMIT round
        trips; on SQLite one read transaction still (one snapshot)."""
        if write and self._writers is not None:
            return self._written_in_turn()
        if self.outside_transaction(write=write, read_only=read_only):
            return self._outside_transaction()
        return self._transaction(write=write)

    @asynccontextmanager
    async def _written_in_turn(self) -> AsyncIterator[AsyncConnection]:
        """SQLite: a write transaction behind this process's other writers."""
        assert self._writers is not None
        async with self._writers, self._transaction(write=True) as conn:
            yield conn

    def outside_transaction(self, *, write: bool, read_only: bool) -> bool:
        """Whether `transaction(write=write, read_only=read_only)` runs outside any
        transaction (a read-only one on PostgreSQL): then its connection's driver may run
        statements straight (`store.driver_sql`) with the meaning they have on it."""
        return read_only and not write and not self.is_sqlite

    @asynccontextmanager
    async def _transaction(self, *, write: bool) -> AsyncIterator[AsyncConnection]:
        async with self._turn:
            conn = await self._connected()
            committing = False
            try:
                if write:
                    await conn.execution_options(slotbook_write=True)
                transaction = await conn.begin()
                try:
                    yield conn
                except BaseException as exc:
                    if not _lost(exc):  # a lost connection has nothing left to roll back
                        await transaction.rollback()
                    raise
                committing = True
                await transaction.commit()
            except (DBAPIError, TimeoutError) as exc:
                if _lost(exc):
                    await self._discard(conn)
                _raise_as_domain_error(exc, committing=committing)
            finally:
                await self._close(conn)

    @asynccontextmanager
    async def _outside_transaction(self) -> AsyncIterator[AsyncConnection]:
        """A read-only unit on PostgreSQL: each statement a transaction of its own, on a
        parked connection (`_unparked`), parked again after. A connection that drops
        midway is `Disconnected` (nothing was written: the unit may run again)."""
        async with self._turn:
            conn, driver = await self._unparked()
            usable = False
            try:
                yield conn
                if conn.in_transaction():  # begun by a statement of SQLAlchemy's: a no-op
                    await conn.commit()  # under autocommit, ended so that it parks
                usable = True
            except (DBAPIError, TimeoutError) as exc:
                if _lost(exc):
                    await self._discard(conn)
                else:
                    usable = True
                _raise_as_domain_error(exc, committing=False)
            except _DRIVER_LOST_MIDWAY as exc:  # from a statement run straight on its driver
                await self._discard_with_its_elders(conn)
                raise Disconnected() from exc
            except Exception:  # the caller's own: the connection is as good as before
                usable = True
                raise
            finally:
                await self._park(conn, driver, usable=usable)

    async def _take_turn(self) -> None:
        """This unit's turn at the pool (PostgreSQL), in the order asked; `Unavailable`
        past the pool timeout. Given back by `_give_turn`."""
        if self._turns is None:
            return
        if not self._turns.locked():  # free, nobody waiting: taken at once, no timer set
            await self._turns.acquire()
            return
        try:
            async with asyncio.timeout(self._pool_timeout):
                await self._turns.acquire()
        except TimeoutError as exc:
            raise Unavailable() from exc

    def _give_turn(self) -> None:
        if self._turns is not None:
            self._turns.release()

    async def _discard_with_its_elders(self, conn: AsyncConnection) -> None:
        """`_discard` this connection, and never hand out any the pool opened before it
        either (each is opened anew at its next checkout): what SQLAlchemy does when one
        of its statements finds its connection dropped (a server that dropped one has
        likely dropped them all), for one run straight on the driver; the parked ones go
        back to the pool, to be opened anew likewise."""
        with suppress(Exception):
            pooled = await conn.get_raw_connection()
            self.engine.sync_engine.pool._invalidate(pooled, _checkin=False)
        await self._discard(conn)
        await self._unpark()

    @staticmethod
    async def _discard(conn: AsyncConnection) -> None:
        """Never hand this connection out again (it dropped, or its server stalled)."""
        with suppress(Exception):
            await conn.invalidate()

    async def _connected(self) -> AsyncConnection:
        """A connection checked out of the pool, its turn taken (`Unavailable` if none can
        be had); on PostgreSQL counted, and if the pool would have none free, a parked
        one closed first."""
        counted = self._turns is not None
        if counted:
            self._checked_out += 1
        try:
            if counted and self._checked_out > self._capacity and self._parked:
                conn, _ = self._parked.pop()
                POOL_IN_USE.inc()  # checked in below, as every one in use is
                await self._close(conn)
            conn = self.engine.connect()
            await conn.start()
        except BaseException as exc:
            self._gone()
            if isinstance(exc, DBAPIError | OSError | PoolTimeout):  # OSError: TimeoutError too
                raise Unavailable() from exc
            raise
        return conn

    def _gone(self) -> None:
        """A connection counted by `_connected` is back in the pool (or none was had)."""
        if self._turns is not None:
            self._checked_out -= 1

    async def _close(self, conn: AsyncConnection) -> None:
        """Give a checked-out connection back to the pool."""
        try:
            await conn.close()
        finally:
            self._gone()

    async def _checkout(self) -> tuple[AsyncConnection, Any]:
        """`_connected`, and its driver's own connection."""
        conn = await self._connected()
        return conn, driver_of(conn)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled PostgreSQL connection's own driver, outside any transaction: each
        statement on it is a transaction of its own, one round trip. A connection that
        drops, or a statement that does not answer in time, is `StatementLost` (it may
        have committed). Taken from the parked ones if any (no checkout: SQLAlchemy's checkout
        and check-in were ~50 µs of a booking's CPU), and parked again after."""
        async with self._turn:
            conn, driver = await self._unparked()
            usable = False
            try:
                yield driver
                usable = True
            except _DRIVER_LOST_MIDWAY as exc:  # a TimeoutError among them: an OSError
                if isinstance(exc, TimeoutError):  # no answer in time: this one is no use
                    await self._discard(conn)
                else:  # dropped: likely every one opened before it too
                    await self._discard_with_its_elders(conn)
                raise StatementLost() from exc
            except Exception:  # the statement's own error, or the caller's
                usable = True
                raise
            finally:
                await self._park(conn, driver, usable=usable)

    async def _unparked(self) -> tuple[AsyncConnection, Any]:
        """A parked connection and its driver, or a new one checked out; on PostgreSQL set
        to run each statement as a transaction of its own, as every parked one is (on
        SQLite, `write_at_once` says when its transaction starts)."""
        if self._parked:
            POOL_IN_USE.inc()
            return self._parked.pop()
        conn, driver = await self._checkout()
        if self._turns is not None:
            try:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
            except BaseException:
                await self._close(conn)
                raise
        return conn, driver

    async def _park(self, conn: AsyncConnection, driver: Any, *, usable: bool) -> None:
        """Keep a connection checked out for the next single statement or read-only unit,
        unless it is no use any more or a statement left SQLAlchemy inside a transaction."""
        if usable and not conn.in_transaction():
            self._parked.append((conn, driver))
            POOL_IN_USE.dec()
        else:
            await self._close(conn)

    async def _unpark(self) -> None:
        """Give every parked connection back to the pool."""
        parked, self._parked = self._parked, []
        for conn, _ in parked:
            POOL_IN_USE.inc()
            with suppress(Exception):
                await self._close(conn)

    async def write_at_once(self, work: Callable[[sqlite3.Connection], T | None]) -> T | None:
        """SQLite: `work` as one write transaction in one hop to a pooled connection's own
        thread, where aiosqlite runs every call of that connection: BEGIN IMMEDIATE, `work`
        (its statements straight on the driver), then COMMIT if it answered something,
        ROLLBACK if it answered None or raised — queued behind this process's other
        writers, as `transaction(write=True)` is. SQLite locked past its busy timeout is
        `Busy`. The connection stays parked for the next such write (one at a time: the
        writers queue), which so needs no checkout."""
        assert self._writers is not None, "SQLite only"
        async with self._writers:
            conn, driver = await self._unparked()  # an aiosqlite.Connection
            usable = False
            try:
                # aiosqlite's one way to run a function on the connection's thread
                done: T | None = await driver._execute(_in_one_transaction, driver, work)
                usable = True
                return done
            except sqlite3.OperationalError as exc:
                usable = True  # its transaction was rolled back
                if "locked" in str(exc).lower():
                    raise Busy() from exc
                raise
            finally:
                await self._park(conn, driver, usable=usable)

    async def connect_outside_pool(self) -> asyncpg.Connection:
        """A PostgreSQL connection of its own, outside the pool (for LISTEN)."""
        url = make_url(self.url).set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        return await asyncpg.connect(dsn, timeout=self.connect_timeout)

    async def dispose(self) -> None:
        await self._unpark()
        await self.engine.dispose()
