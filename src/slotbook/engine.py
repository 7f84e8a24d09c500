"""The booking engine's context: settings, database, clock, and who hears of changes."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from slotbook.settings import Settings
from slotbook.store.db import Connection, Database

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


@dataclass
class UnitOfWork:
    """One transaction of one use case, with the instant it runs at."""

    conn: Connection
    now: datetime
    settings: Settings
    changed: set[CalendarDay] = field(default_factory=set)

    @property
    def is_postgresql(self) -> bool:
        """Whether constraints (PostgreSQL) rather than the one writer (SQLite) decide."""
        return self.conn.dialect.name == "postgresql"

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

    def on_change(self, listener: ChangeListener) -> None:
        """Call `listener` with the changed calendar-days after every committed write."""
        self._listeners.append(listener)

    @asynccontextmanager
    async def unit(self, *, write: bool = False) -> AsyncIterator[UnitOfWork]:
        """Run one use case in one transaction; tell listeners what changed once committed."""
        async with self.db.transaction(write=write) as conn:
            uow = UnitOfWork(conn=conn, now=self.clock(), settings=self.settings)
            yield uow
        if uow.changed:
            await self.announce(frozenset(uow.changed))

    async def announce(self, days: frozenset[CalendarDay]) -> None:
        for listener in self._listeners:
            await listener(days)
