"""A read outside any transaction (PostgreSQL) answers from the calendar the engine read
moments ago, without asking the database; the news of a change to the calendar — made
through this engine, or heard from another instance — is read at once, and a change made
straight in the database shows within the trust period."""

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from slotbook.calendars import calendars as cal
from slotbook.calendars.model import Calendar
from slotbook.engine import CalendarDay, Engine
from slotbook.settings import Settings
from slotbook.store.calendars import find_calendar, get_calendar_row, insert_calendar
from slotbook.store.db import Database
from slotbook.store.kept_calendars import TRUSTED_FOR_READS_SECONDS, KeptCalendars
from tests.support.clock import FrozenClock
from tests.test_kept_calendars import change_elsewhere

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

KIND, OWNER = "owner", "kept-reads"


class Monotonic:
    """The kept calendars' clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def engine(settings: Settings, clock: FrozenClock) -> AsyncIterator[Engine]:
    db = Database(settings.database_url)
    try:
        yield Engine(settings, db, clock)
    finally:
        await db.dispose()


@pytest.fixture
def monotonic(engine: Engine) -> Monotonic:
    clock = Monotonic()
    engine.kept = KeptCalendars(clock)
    return clock


async def new_calendar(engine: Engine, now: datetime) -> int:
    async with engine.unit(write=True) as uow:
        values = {"kind": KIND, "owner_key": OWNER, "timezone": "Europe/Paris"}
        values |= {"slot_minutes": 30, "horizon_days": 30, "created_at": now}
        made = await insert_calendar(uow, values)
        assert made is not None
        return made.id


async def read(engine: Engine, calendar_id: int) -> tuple[Calendar | None, Calendar | None]:
    """The calendar by owner key and by id, as a read-only unit finds it."""
    async with engine.unit(read_only=True) as uow:
        assert uow.outside_transaction
        by_key = await find_calendar(uow, kind=KIND, owner_key=OWNER)
        by_id = await get_calendar_row(uow, calendar_id, kind=KIND)
    return by_key, by_id


def zones(found: tuple[Calendar | None, Calendar | None]) -> list[str | None]:
    return [c.timezone if c else None for c in found]


async def test_a_change_straight_in_the_database_shows_within_the_trust_period(
    engine, clock, monotonic, database_url
):
    calendar_id = await new_calendar(engine, clock.now)
    assert zones(await read(engine, calendar_id)) == ["Europe/Paris"] * 2
    await change_elsewhere(database_url, calendar_id, timezone="Asia/Tokyo")
    # Moments later the kept copy answers: the database was not asked.
    monotonic.now += TRUSTED_FOR_READS_SECONDS / 2
    assert zones(await read(engine, calendar_id)) == ["Europe/Paris"] * 2
    monotonic.now += TRUSTED_FOR_READS_SECONDS
    assert zones(await read(engine, calendar_id)) == ["Asia/Tokyo"] * 2


async def test_news_of_a_change_from_another_instance_is_read_at_once(
    engine, clock, monotonic, database_url
):
    calendar_id = await new_calendar(engine, clock.now)
    await read(engine, calendar_id)
    await change_elsewhere(database_url, calendar_id, timezone="Asia/Tokyo")
    # News of one day's bookings says nothing of the calendar itself.
    engine.heard(frozenset({CalendarDay(calendar_id, clock.now.date())}))
    assert zones(await read(engine, calendar_id)) == ["Europe/Paris"] * 2
    engine.heard(frozenset({CalendarDay(calendar_id, None)}))  # as a broker delivers it
    assert zones(await read(engine, calendar_id)) == ["Asia/Tokyo"] * 2
    await change_elsewhere(database_url, calendar_id, timezone="America/Lima")
    engine.heard(None)  # news may have been missed: nothing kept is trusted
    assert zones(await read(engine, calendar_id)) == ["America/Lima"] * 2


async def test_a_change_through_this_engine_is_read_at_once(engine, clock, monotonic):
    calendar_id = await new_calendar(engine, clock.now)
    await read(engine, calendar_id)
    async with engine.unit(write=True) as uow:
        calendar = await get_calendar_row(uow, calendar_id)
        assert calendar is not None
        await cal.update_calendar(uow, calendar, timezone="Asia/Tokyo")
    assert zones(await read(engine, calendar_id)) == ["Asia/Tokyo"] * 2


async def test_a_read_begun_before_news_of_a_change_keeps_nothing(
    engine, clock, monotonic, database_url
):
    calendar_id = await new_calendar(engine, clock.now)
    async with engine.unit(read_only=True) as uow:
        # The change commits and its news arrives while this unit reads: what it read
        # may be the row as it was before, so it is answered but not kept.
        engine.heard(frozenset({CalendarDay(calendar_id, None)}))
        found = await find_calendar(uow, kind=KIND, owner_key=OWNER)
    assert found is not None
    assert engine.kept.get(KIND, owner_key=OWNER) is None
    await read(engine, calendar_id)
    assert engine.kept.get(KIND, owner_key=OWNER, fresh=True) is not None
