"""The booking engine's context: settings, database, clock, and who hears of changes."""

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import TracebackType

import asyncpg

from slotbook.calendars.model import Calendar
from slotbook.errors import Deadlocked, TryAgain
from slotbook.scheduling.rules import Limits
from slotbook.settings import Settings
from slotbook.store.db import Connection, Database, driver_of
from slotbook.store.kept_calendars import KeptCalendars
from slotbook.store.news import News, write_news
from slotbook.store.notify import notify

log = logging.getLogger("slotbook.engine")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, order=True)
class CalendarDay:
    """One local day of one calendar (every day when `day` is None): the unit of change
    that live subscribers and caches follow."""

    calendar_id: int
    day: date | None


ChangeListener = Callable[[frozenset[CalendarDay]], Awaitable[None]]
#: news of a unit's changed calendar-days to send with its commit: (channel, payload) of a
#: PostgreSQL NOTIFY
Notice = Callable[[frozenset[CalendarDay]], tuple[str, str]]
#: news of a unit's changed calendar-days, at the unit's instant, to write in its
#: transaction: rows of a table that a broker follows
Recorder = Callable[[frozenset[CalendarDay], datetime], News]


@dataclass
class UnitOfWork:
    """One transaction of one use case, with the instant it runs at."""

    conn: Connection
    now: datetime
    settings: Settings
    kept: KeptCalendars  # the engine's
    changed: set[CalendarDay] = field(default_factory=set)
    #: calendars read `for_claim` in this transaction (`store.calendars`), by id: their
    #: limits' lock is held already, and these are the limits it guards
    claim_limits: dict[int, Limits] = field(default_factory=dict)
    #: a read-only unit on PostgreSQL, run outside any transaction (each statement its own
    #: snapshot): the one kind of unit whose statements may run straight on its `driver`
    outside_transaction: bool = False

    def keep(self, calendar: Calendar) -> Calendar:
        """`calendar` as this unit read it, kept by the engine for claims."""
        return self.kept.keep(calendar)

    @property
    def is_postgresql(self) -> bool:
        """Whether constraints (PostgreSQL) rather than the one writer (SQLite) decide."""
        return self.conn.dialect.name == "postgresql"

    def driver(self) -> asyncpg.Connection:
        """The asyncpg connection under `conn`, for `store.driver_sql` statements: only in a
        unit `outside_transaction` (in any other, a statement on it would not run in the
        unit's transaction)."""
        assert self.outside_transaction, "a read-only unit on PostgreSQL only"
        driver: asyncpg.Connection = driver_of(self.conn)
        return driver

    def touch(self, calendar_id: int, day: date | None) -> None:
        """Record that `day` (None: every day) of `calendar_id` changed; listeners hear of
        it after commit."""
        self.changed.add(CalendarDay(calendar_id, day))


class Engine:
    """Everything a use case needs, shared by every surface of one process."""

    def __init__(self, settings: Settings, db: Database, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self._listeners: list[ChangeListener] = []
        self._recorders: list[Recorder] = []
        self._notices: list[Notice] = []
        self.kept = KeptCalendars()

    def on_change(self, listener: ChangeListener) -> None:
        """Call `listener` with the changed calendar-days after every committed write."""
        self._listeners.append(listener)

    def record_changes(self, recorder: Recorder) -> None:
        """Have every unit that changes something write `recorder`'s news of its changes
        in its own transaction (so the news commits exactly when the changes do), before
        the commit."""
        self._recorders.append(recorder)

    def news(self, days: frozenset[CalendarDay], now: datetime) -> list[News]:
        """The news the recorders write of these changed days, changed at `now`."""
        return [recorder(days, now) for recorder in self._recorders]

    def notify_changes(self, notice: Notice) -> None:
        """Have every unit that changes something send `notice` of its changes with its
        commit (PostgreSQL NOTIFY), so the news goes out exactly when the changes do."""
        self._notices.append(notice)

    def notices(self, days: frozenset[CalendarDay]) -> list[tuple[str, str]]:
        """The (channel, payload) notices of these changed days."""
        return [notice(days) for notice in self._notices]

    @property
    def records_in_transactions(self) -> bool:
        """Whether news of a change is written by recorders in its own transaction
        (`record_changes`)."""
        return bool(self._recorders)

    @asynccontextmanager
    async def unit(
        self, *, write: bool = False, read_only: bool = False
    ) -> AsyncIterator[UnitOfWork]:
        """Run one use case in one transaction; tell listeners what changed once committed.
        `read_only`: a use case that only reads (`Database.transaction`)."""
        async with self.db.transaction(write=write, read_only=read_only) as conn:
            outside = self.db.outside_transaction(write=write, read_only=read_only)
            uow = UnitOfWork(
                conn, self.clock(), self.settings, self.kept, outside_transaction=outside
            )
            yield uow
            if uow.changed:
                for written in self.news(frozenset(uow.changed), uow.now):
                    await write_news(uow.conn, written)
                for channel, payload in self.notices(frozenset(uow.changed)):
                    await notify(uow, channel, payload)
        if uow.changed:
            await self.announce(frozenset(uow.changed))

    def attempts(self, *, write: bool = False, read_only: bool = False) -> "Attempts":
        """The tries of one unit of work, run as

            async for attempt in engine.attempts(write=True):
                async with attempt as uow:
                    ...

        A unit that committed nothing and may well succeed if run again (`TryAgain`) runs
        again on a fresh connection (every unit is one transaction, so nothing of the first
        try remains): once more when its connection dropped; after a short random pause up
        to four more times when PostgreSQL broke a deadlock by aborting it (the other side
        commits meanwhile, so the next run sees its outcome). Failing so every time, it is
        a 503 with Retry-After. `read_only`: a use case that only reads, which on
        PostgreSQL needs no BEGIN and COMMIT (`Database.transaction`)."""
        return Attempts(self, write=write, read_only=read_only)

    async def announce(self, days: frozenset[CalendarDay]) -> None:
        for listener in self._listeners:
            await listener(days)

    def heard(self, changed: frozenset[CalendarDay] | None) -> None:
        """News of committed changes, this process's or another's (None: news may have
        been missed): a calendar changed itself (every day of it) is no longer kept."""
        if changed is None:
            self.kept.forget(None)
            return
        for days in changed:
            if days.day is None:
                self.kept.forget(days.calendar_id)


class Attempts:
    """`Engine.attempts`: the runs of one unit of work, each an async context manager that
    yields its `UnitOfWork`; the loop ends with the first run that neither loses its
    connection (at most `TRIES` runs) nor is aborted to break a deadlock (at most
    `DEADLOCK_TRIES` runs)."""

    TRIES = 2
    DEADLOCK_TRIES = 5
    #: the longest pause before running a deadlocked unit again, times the runs so far
    DEADLOCK_PAUSE_SECONDS = 0.01

    def __init__(self, engine: Engine, *, write: bool, read_only: bool = False) -> None:
        self._engine = engine
        self._write = write
        self._read_only = read_only
        self._runs = 0
        self._finished = False
        self._unit: AbstractAsyncContextManager[UnitOfWork] | None = None

    def __aiter__(self) -> "Attempts":
        return self

    async def __anext__(self) -> "Attempts":
        if self._finished or self._runs >= self.DEADLOCK_TRIES:
            raise StopAsyncIteration
        self._runs += 1
        return self

    async def __aenter__(self) -> UnitOfWork:
        self._unit = self._engine.unit(write=self._write, read_only=self._read_only)
        return await self._unit.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        assert self._unit is not None
        try:
            suppressed = await self._unit.__aexit__(exc_type, exc, traceback)
        except TryAgain as exc:
            deadlocked = isinstance(exc, Deadlocked)
            if self._runs >= (self.DEADLOCK_TRIES if deadlocked else self.TRIES):
                raise
            log.warning("%s; running the unit again", type(exc).__name__)
            if deadlocked:  # so that the runs that deadlocked together do not meet again
                await asyncio.sleep(random.uniform(0, self.DEADLOCK_PAUSE_SECONDS * self._runs))
            return True  # on to the next attempt
        self._finished = True
        return bool(suppressed)
