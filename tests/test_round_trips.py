"""A booking's round trips to PostgreSQL (and its hops to SQLite's driver thread): a guard
against the write path growing again.

Counted at both doors to the server: SQLAlchemy's engine events (every statement it
sends), and asyncpg's query loggers on every pooled connection (BEGIN, COMMIT, and the
statements sent straight through the driver); each is one round trip. Over one booking
of surface 001 and one of surface 002 made after a first one, so that per-process
caches are as warm as they are under load. The numbers
are the path as it is; a change that adds a round trip fails here and must say why.

On SQLite a round trip is a hop to the thread aiosqlite runs each connection's calls on
(each statement SQLAlchemy sends is one), counted at `aiosqlite.Connection._execute`.
"""

import asyncio
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import aiosqlite
import pytest
from asyncpg.connection import LoggedQuery
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from slotbook.settings import Settings
from tests.support.events import book_seat, create_event
from tests.support.owners import DAY, appointment, owner_calendar
from tests.test_providers import book, new_provider

#: the round trips one booking costs on PostgreSQL, at most: one statement that commits by
#: itself, holding the claim, its outbox event and the live-update NOTIFY, on a calendar
#: the process keeps (`booking_writes.claim_at_once`; it was eight: BEGIN, the calendar,
#: the overlap check, the waitlist, the INSERT, its event, the NOTIFY, COMMIT)
PROVIDER_BOOKING_ROUND_TRIPS = 1
#: and for an owner's appointment as many: her opening hours of that day, read for the
#: first booking, are kept by the process as long as the calendar's schedule version is
APPOINTMENT_ROUND_TRIPS = PROVIDER_BOOKING_ROUND_TRIPS
#: an event seat: the slot with its event, whether anyone waits for it and the booking's
#: id; then the seats, the booking, its outbox event and the NOTIFY in one statement, so
#: a hot slot's row is locked for that statement only (`booking_writes.
#: book_seats_at_once`; it was nine: BEGIN, the slot, the event, the waitlist, the event's
#: limits, the seats with the booking, its outbox event, the NOTIFY, COMMIT)
SEAT_BOOKING_ROUND_TRIPS = 2


class RoundTrips:
    """The round trips any engine of this process makes after `start`, by their SQL (the
    app runs no background jobs here: every one is a request's)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.watched: list[Any] = []  # the driver connections whose queries are logged
        self._counting = False

    async def start(self) -> None:
        await asyncio.sleep(0)  # asyncpg's loggers hear of a query in a callback soon after
        self.sent.clear()
        self._counting = True

    async def counted(self) -> list[str]:
        """Every round trip counted since `start`."""
        await asyncio.sleep(0)  # one turn of the loop, not a wait: the loggers' callbacks run
        return self.sent

    async def of_one_booking(self) -> int:
        """How many were counted, having checked they are a booking's."""
        sent = await self.counted()
        assert sum("INSERT INTO bookings" in sql for sql in sent) == 1, sent
        return len(sent)

    def _count(self, what: str) -> None:
        if self._counting:
            self.sent.append(what)

    def statement(self, _conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        """SQLAlchemy's statements (prepared: asyncpg's loggers do not see them)."""
        self._count(sql)

    def driver_query(self, query: LoggedQuery) -> None:
        """What asyncpg sends by itself: BEGIN, COMMIT, and statements of the driver's own."""
        self._count(query.query)

    def checkout(self, dbapi_conn: Any, *_: Any) -> None:
        driver = dbapi_conn.driver_connection
        if driver not in self.watched:
            driver.add_query_logger(self.driver_query)
            self.watched.append(driver)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No background jobs (outbox dispatch, sweeper): every round trip is the request's."""
    return settings.model_copy(update={"run_jobs": False})


@pytest.fixture
def round_trips() -> Iterator[RoundTrips]:
    counted = RoundTrips()
    event.listen(Engine, "before_cursor_execute", counted.statement)
    event.listen(Pool, "checkout", counted.checkout)
    try:
        yield counted
    finally:
        event.remove(Engine, "before_cursor_execute", counted.statement)
        event.remove(Pool, "checkout", counted.checkout)
        for driver in counted.watched:
            driver.remove_query_logger(counted.driver_query)


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_provider_booking_is_at_most_a_few_round_trips(client, round_trips):
    provider = await new_provider(client)
    assert (await book(client, provider, "09:00")).status_code == 201
    await round_trips.start()
    assert (await book(client, provider, "11:00")).status_code == 201
    assert await round_trips.of_one_booking() <= PROVIDER_BOOKING_ROUND_TRIPS, round_trips.sent


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_an_appointment_is_at_most_a_few_round_trips(client, round_trips):
    await owner_calendar(client)
    assert (await appointment(client, "09:00")).status_code == 200
    await round_trips.start()
    assert (await appointment(client, "11:00")).status_code == 200
    assert await round_trips.of_one_booking() <= APPOINTMENT_ROUND_TRIPS, round_trips.sent


#: a slot list of a calendar this process read before: the calendar as it is now and the
#: claims of the day in one statement, which uses the claims only if the calendar is still
#: at the version kept (`free_slots.find_for_listing`; it was two: the calendar, then the
#: claims)
SLOT_LIST_ROUND_TRIPS = 1


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_slot_list_is_one_round_trip(client, round_trips):
    await owner_calendar(client)
    assert (await appointment(client, "09:00")).status_code == 200
    query = {"calendar_owner_id": "alice", "for_date": DAY}
    first = await client.get("/api/v1/slots", params=query)  # the day's hours, kept
    assert first.status_code == 200 and "09:00" not in first.json()["available_slots"]
    await round_trips.start()
    listed = await client.get("/api/v1/slots", params=query)
    assert listed.json() == first.json()
    sent = await round_trips.counted()
    assert len(sent) <= SLOT_LIST_ROUND_TRIPS, sent


#: what a booking the one statement cannot settle costs, at most: a calendar with limits
#: is claimed in a unit of work (BEGIN, the calendar with its limits' lock, the overlap
#: check, the waitlist, the limits' counters, the INSERT, its event, the NOTIFY, COMMIT)
BOOKING_WITH_LIMITS_ROUND_TRIPS = 10


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_booking_on_a_calendar_with_limits_is_at_most_a_few_more(client, round_trips):
    await owner_calendar(client, max_per_day=5)
    assert (await appointment(client, "09:00")).status_code == 200
    await round_trips.start()
    assert (await appointment(client, "11:00")).status_code == 200
    sent = await round_trips.of_one_booking()
    assert sent <= BOOKING_WITH_LIMITS_ROUND_TRIPS, round_trips.sent


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_seat_booking_is_at_most_two_round_trips(client, round_trips):
    event = await create_event(client, ("09:00", "10:00", 50))
    slot_id = event["time_slots"][0]["id"]
    assert (await book_seat(client, slot_id)).status_code == 201
    await round_trips.start()
    assert (await book_seat(client, slot_id, "Grace")).status_code == 201
    assert await round_trips.of_one_booking() <= SEAT_BOOKING_ROUND_TRIPS, round_trips.sent


#: the hops one booking costs on SQLite, at most: one write transaction run whole on the
#: connection's own thread (`Database.write_at_once`; the unit of work took 26: a cursor,
#: an execute, a fetch and a close for each of its seven statements from BEGIN IMMEDIATE
#: on, and the COMMIT)
SQLITE_BOOKING_HOPS = 1


class Hops:
    """The calls any aiosqlite connection of this process runs on its thread after
    `start` (every statement of SQLAlchemy's, every function of the app's), by name —
    those made in the context `start` was called in, and in tasks started from it: not
    the live board's poll of the change log, which runs in a task of its own and now and
    then read while the booking was counted."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.counting: ContextVar[bool] = ContextVar("counting_hops", default=False)

    def start(self) -> None:
        self.sent.clear()
        self.counting.set(True)


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Hops:
    counted = Hops()
    run_on_thread = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if counted.counting.get():
            counted.sent.append(getattr(fn, "__name__", repr(fn)))
        return await run_on_thread(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return counted


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_provider_booking_on_sqlite_is_one_hop_to_the_driver(client, hops):
    provider = await new_provider(client)
    assert (await book(client, provider, "09:00")).status_code == 201
    hops.start()
    assert (await book(client, provider, "11:00")).status_code == 201
    assert len(hops.sent) <= SQLITE_BOOKING_HOPS, hops.sent


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_an_appointment_on_sqlite_is_one_hop_to_the_driver(client, hops):
    await owner_calendar(client)
    assert (await appointment(client, "09:00")).status_code == 200
    hops.start()
    assert (await appointment(client, "11:00")).status_code == 200
    assert len(hops.sent) <= SQLITE_BOOKING_HOPS, hops.sent


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_burst_on_a_month_not_read_yet_reads_its_hours_once(client, round_trips):
    """Claims that find a month's opening hours not kept all wait for one read of them,
    then each is its one statement (they used to fall back to a unit of work each)."""
    await owner_calendar(client)
    assert (await appointment(client, "09:00")).status_code == 200  # January's hours kept
    await round_trips.start()
    hours = [f"{hour:02d}:00" for hour in range(9, 17)]
    answers = await asyncio.gather(*(appointment(client, hour, "2031-02-03") for hour in hours))
    assert [answer.status_code for answer in answers] == [200] * len(hours)
    sent = await round_trips.counted()
    assert sum("FROM availability_rules" in sql for sql in sent) == 1, sent
    assert sum("INSERT INTO bookings" in sql for sql in sent) == len(hours), sent
    assert len(sent) <= len(hours) * APPOINTMENT_ROUND_TRIPS + 2, sent  # + the hours' read
