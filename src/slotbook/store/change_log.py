"""The change log's statements (see `realtime.change_log`): news of committed changes, one
row per changed calendar-day, read in id order by every process sharing an SQLite file."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, text

from slotbook.engine import CalendarDay, UnitOfWork
from slotbook.store.news import News
from slotbook.store.tables import change_log

#: the last id SQLite ever gave out (AUTOINCREMENT never reuses one)
LAST_ID = text("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    origin: str
    changed: CalendarDay


def news(origin: str, changed: frozenset[CalendarDay], now: datetime) -> News:
    """The rows that tell of these changed calendar-days, made by `origin` at `now`."""
    rows = [
        {"origin": origin, "calendar_id": d.calendar_id, "day": d.day, "created_at": now}
        for d in changed
    ]
    return News(change_log, rows)


async def last_id(uow: UnitOfWork) -> int:
    return int((await uow.conn.execute(LAST_ID)).scalar() or 0)


async def entries_after(uow: UnitOfWork, after: int) -> list[Entry]:
    rows = await uow.conn.execute(
        select(change_log).where(change_log.c.id > after).order_by(change_log.c.id)
    )
    return [Entry(r.id, r.origin, CalendarDay(r.calendar_id, r.day)) for r in rows]


async def forget_before(uow: UnitOfWork, horizon: datetime) -> None:
    await uow.conn.execute(delete(change_log).where(change_log.c.created_at < horizon))
