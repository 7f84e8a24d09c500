"""An engine keeps the calendars it reads, for claims only (a claim checks the kept copy's
version in its statement): a read answers from the database, so a change committed on
another instance shows at once, before its news arrives; news of a change to the
calendar itself forgets the kept copy."""

from datetime import datetime

from slotbook.calendars.model import Calendar
from slotbook.engine import CalendarDay, Engine
from slotbook.store.calendars import find_calendar, get_calendar_row, insert_calendar
from tests.test_kept_calendars import change_elsewhere

KIND, OWNER = "owner", "kept-reads"


async def new_calendar(engine: Engine, now: datetime) -> int:
    async with engine.unit(write=True) as uow:
        values = {"kind": KIND, "owner_key": OWNER, "timezone": "Europe/Paris"}
        values |= {"slot_minutes": 30, "horizon_days": 30, "created_at": now}
        made = await insert_calendar(uow, values)
        assert made is not None
        return made.id


async def read(engine: Engine, calendar_id: int) -> list[str | None]:
    """The calendar's zone by owner key and by id, as a read-only unit finds it."""
    async with engine.unit(read_only=True) as uow:
        found: list[Calendar | None] = [
            await find_calendar(uow, kind=KIND, owner_key=OWNER),
            await get_calendar_row(uow, calendar_id, kind=KIND),
        ]
    return [c.timezone if c else None for c in found]


async def test_a_read_shows_a_change_made_elsewhere_at_once(engine, clock, database_url):
    calendar_id = await new_calendar(engine, clock.now)
    assert await read(engine, calendar_id) == ["Europe/Paris"] * 2
    assert engine.kept.get(KIND, owner_key=OWNER) is not None  # kept, for claims
    await change_elsewhere(database_url, calendar_id, timezone="Asia/Tokyo")  # no news yet
    assert await read(engine, calendar_id) == ["Asia/Tokyo"] * 2


async def test_news_of_a_change_to_the_calendar_forgets_the_kept_copy(engine, clock):
    calendar_id = await new_calendar(engine, clock.now)
    await read(engine, calendar_id)
    engine.heard(frozenset({CalendarDay(calendar_id, clock.now.date())}))  # a day's bookings
    assert engine.kept.get(KIND, calendar_id=calendar_id) is not None
    engine.heard(frozenset({CalendarDay(calendar_id, None)}))  # the calendar itself
    assert engine.kept.get(KIND, calendar_id=calendar_id) is None
    await read(engine, calendar_id)
    engine.heard(None)  # news may have been missed: nothing is trusted
    assert engine.kept.get(KIND, owner_key=OWNER) is None
