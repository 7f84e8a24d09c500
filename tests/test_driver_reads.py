"""A read-only unit on PostgreSQL runs its hot reads (`find_calendar`, `get_calendar_row`,
`claimed_times`) straight on the driver: they answer exactly what the same reads in a
transaction do."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from slotbook.booking.model import BookingStatus
from slotbook.engine import Engine, UnitOfWork
from slotbook.store.bookings.booking_reads import claimed_times
from slotbook.store.calendars import (
    find_calendar,
    find_calendar_and_claims,
    get_calendar_row,
    insert_calendar,
)
from slotbook.store.tables import bookings
from tests.test_faults_database import database_name, terminate_backends
from tests.test_kept_calendars import change_elsewhere

KIND, OWNER = "owner", "driver-reads"
ONE_HOUR = timedelta(hours=1)


def booking(calendar_id: int, start: datetime, status: str) -> dict[str, Any]:
    return {
        "calendar_id": calendar_id,
        "start_at": start,
        "end_at": start + timedelta(hours=1),
        "status": status,
        "token_hash": f"{start.isoformat()}-{status}",
        "source": "test",
        "created_at": start - timedelta(days=1),
        "updated_at": start - timedelta(days=1),
        "hold_expires_at": None,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
    }


async def a_calendar_with_claims(engine: Engine, now: datetime) -> int:
    """A calendar whose bookings are of every status, near and far from `now` + 1 day."""
    day = now + timedelta(days=1)
    async with engine.unit(write=True) as uow:
        values = {"kind": KIND, "owner_key": OWNER, "timezone": "Europe/Paris"}
        values |= {"slot_minutes": 30, "horizon_days": 30, "created_at": now}
        calendar = await insert_calendar(uow, values)
        assert calendar is not None
        statuses = [BookingStatus.CONFIRMED, BookingStatus.PENDING, "held", "held"]
        statuses += [BookingStatus.CANCELLED, BookingStatus.CONFIRMED]
        rows = [booking(calendar.id, day + 2 * n * ONE_HOUR, s) for n, s in enumerate(statuses)]
        rows[0] |= {"buffer_before_minutes": 5}
        rows[1] |= {"buffer_after_minutes": 10}
        rows[2] |= {"hold_expires_at": now + ONE_HOUR}
        rows[3] |= {"hold_expires_at": now - ONE_HOUR}
        rows.append(booking(calendar.id, day + 40 * ONE_HOUR, BookingStatus.CONFIRMED))
        await uow.conn.execute(insert(bookings), rows)
        return calendar.id


async def reads(uow: UnitOfWork, calendar_id: int, now: datetime) -> tuple[Any, ...]:
    start = now + timedelta(days=1, minutes=30)
    found = await find_calendar(uow, kind=KIND, owner_key=OWNER)
    missing = await find_calendar(uow, kind=KIND, owner_key="nobody")
    by_id = [
        await get_calendar_row(uow, calendar_id),
        await get_calendar_row(uow, calendar_id, kind=KIND),
        await get_calendar_row(uow, calendar_id, kind="event"),
        await get_calendar_row(uow, calendar_id + 1),
    ]
    assert found is not None
    claimed = await claimed_times(uow, found, start, start + 10 * ONE_HOUR)
    times = [tuple(t) for t in claimed]
    return found, missing, by_id, times


async def test_driver_reads_answer_as_reads_in_a_transaction(engine, clock, backend):
    calendar_id = await a_calendar_with_claims(engine, clock.now)
    async with engine.unit(read_only=True) as uow:
        assert uow.outside_transaction == (backend == "postgresql")
        on_driver = await reads(uow, calendar_id, clock.now)
    async with engine.unit() as uow:
        assert not uow.outside_transaction
        in_transaction = await reads(uow, calendar_id, clock.now)
    assert on_driver == in_transaction
    found, missing, by_id, times = on_driver
    assert found is not None and found.id == calendar_id and missing is None
    assert by_id == [found, found, None, None]
    day = clock.now + timedelta(days=1)
    assert times == [  # the live hold counts, the stale one and the cancellation do not
        (day, day + ONE_HOUR, 5, 0),
        (day + 2 * ONE_HOUR, day + 3 * ONE_HOUR, 0, 10),
        (day + 4 * ONE_HOUR, day + 5 * ONE_HOUR, 0, 0),
        (day + 10 * ONE_HOUR, day + 11 * ONE_HOUR, 0, 0),
    ]
    assert all(t.tzinfo is not None for row in times for t in row[:2])


async def test_claimed_times_are_those_whose_claimed_range_meets_the_widened_window(engine, clock):
    """Bookings within the margin the reads scan for buffers whose claimed range misses
    the window are left out, on the driver and in a transaction alike; one that reaches
    in only through its own buffer, or only through the calendar's, is weighed."""
    day = clock.now + timedelta(days=1)
    async with engine.unit(write=True) as uow:
        values = {"kind": KIND, "owner_key": "buffers", "timezone": "UTC", "slot_minutes": 60}
        values |= {"created_at": clock.now, "buffer_before_minutes": 30}
        values |= {"buffer_after_minutes": 30, "horizon_days": 30}
        calendar = await insert_calendar(uow, values)
        assert calendar is not None
        rows = [
            booking(calendar.id, day - 6 * ONE_HOUR, BookingStatus.CONFIRMED),  # misses
            booking(calendar.id, day - 3 * ONE_HOUR, BookingStatus.CONFIRMED),  # own buffer
            booking(calendar.id, day + 2 * ONE_HOUR, BookingStatus.CONFIRMED),  # in it
            booking(calendar.id, day + 4 * ONE_HOUR, BookingStatus.CONFIRMED),  # calendar's
            booking(calendar.id, day + 8 * ONE_HOUR, BookingStatus.CONFIRMED),  # misses
        ]
        rows[1] |= {"buffer_after_minutes": 150}  # claims up to day + 30 min
        await uow.conn.execute(insert(bookings), rows)
    window = (day, day + 4 * ONE_HOUR)  # with the calendar's buffers: day - 30 min to + 4:30
    async with engine.unit(read_only=True) as uow:
        on_driver = await claimed_times(uow, calendar, *window)
    async with engine.unit() as uow:
        in_transaction = await claimed_times(uow, calendar, *window)
    assert [tuple(t) for t in on_driver] == [tuple(t) for t in in_transaction]
    assert [t[0] for t in on_driver] == [
        day - 3 * ONE_HOUR,
        day + 2 * ONE_HOUR,
        day + 4 * ONE_HOUR,
    ]


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_driver_read_on_a_killed_connection_runs_its_unit_again(engine, clock):
    calendar_id = await a_calendar_with_claims(engine, clock.now)
    async with engine.unit(read_only=True) as uow:  # the pooled connection, opened
        await find_calendar(uow, kind=KIND, owner_key=OWNER)
    assert await terminate_backends(database_name(engine.settings.database_url)) >= 1
    runs = 0
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            runs += 1
            found = await find_calendar(uow, kind=KIND, owner_key=OWNER)
    assert runs == 2
    assert found is not None and found.id == calendar_id


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_calendar_read_with_its_claims_answers_as_the_two_reads(
    engine, clock, database_url
):
    """`find_calendar_and_claims` (one round trip) finds what `find_calendar` and then
    `claimed_times` find; a calendar changed since it was kept gets no claims (the
    listing reads them for the calendar as it is)."""
    calendar_id = await a_calendar_with_claims(engine, clock.now)
    start = clock.now + timedelta(days=1, minutes=30)
    end = start + 10 * ONE_HOUR
    async with engine.unit(read_only=True) as uow:
        kept = await find_calendar(uow, kind=KIND, owner_key=OWNER)
        assert kept is not None
        apart = await claimed_times(uow, kept, start, end)
        together = await find_calendar_and_claims(
            uow, kind=KIND, owner_key=OWNER, expected=kept, start=start, end=end
        )
    assert together == (kept, [tuple(t) for t in apart])
    await change_elsewhere(database_url, calendar_id, timezone="Asia/Tokyo")
    async with engine.unit(read_only=True) as uow:
        found, claims = await find_calendar_and_claims(
            uow, kind=KIND, owner_key=OWNER, expected=kept, start=start, end=end
        )
    assert found is not None and found.timezone == "Asia/Tokyo" and claims is None
