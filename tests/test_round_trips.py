"""A booking's round trips to PostgreSQL: a guard against the write path growing again.

Counted with SQLAlchemy's engine events (every statement, BEGIN and COMMIT is one round
trip to the server), over one booking of surface 001 and one of surface 002 made after a
first one, so that per-process caches are as warm as they are under load. The numbers
are the path as it is; a change that adds a round trip fails here and must say why.
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.support.events import book_seat, create_event
from tests.support.owners import appointment, owner_calendar
from tests.test_providers import book, new_provider

#: the round trips one booking costs on PostgreSQL, at most: BEGIN, the calendar (read
#: with its limits' lock), the overlap check (stale holds in the way are expired only
#: when there are any), whether someone waits for the time (the waitlist), the INSERT,
#: its outbox event, the live-update NOTIFY, COMMIT
PROVIDER_BOOKING_ROUND_TRIPS = 8
#: and for an owner's appointment as many: her opening hours of that day, read for the
#: first booking, are kept by the process as long as the calendar's schedule version is
APPOINTMENT_ROUND_TRIPS = PROVIDER_BOOKING_ROUND_TRIPS
#: an event seat without an idempotency key: the slot with its event, whether anyone
#: waits for it and the booking's id; then the seats, the booking, its outbox event and
#: the NOTIFY in one statement. Each commits by itself: no BEGIN, no COMMIT
SEAT_BOOKING_ROUND_TRIPS = 2


class RoundTrips:
    """The round trips any engine of this process makes for the task that called
    `start` last (the test's: the in-process app answers in it), by their SQL; the
    background jobs' (outbox dispatch, sweeper) run in tasks of their own."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.autocommit: list[bool] = []
        self._task: asyncio.Task[Any] | None = None

    def start(self) -> None:
        self.sent.clear()
        self.autocommit.clear()
        self._task = asyncio.current_task()

    def of_one_booking(self) -> int:
        """How many were counted, having checked they are a booking's."""
        assert self.sent[0] == "BEGIN" and self.sent[-1] == "COMMIT", self.sent
        assert sum(sql.startswith("INSERT INTO bookings") for sql in self.sent) == 1
        return len(self.sent)

    def _count(self, what: str) -> None:
        if self._task is not None and asyncio.current_task() is self._task:
            self.sent.append(what)

    def of_one_seat_booking(self) -> int:
        """How many were counted, having checked they are a seat booking's, each a
        transaction of its own (the BEGIN a connection in autocommit mode records is
        never sent: the driver starts no transaction)."""
        statements = [sql for sql in self.sent if sql != "BEGIN"]
        assert "COMMIT" not in statements and all(self.autocommit), self.sent
        assert sum(sql.startswith("WITH unlimited") for sql in statements) == 1, self.sent
        return len(statements)

    def statement(self, conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if self._task is not None and asyncio.current_task() is self._task:
            isolation = conn.get_execution_options().get("isolation_level")
            self.autocommit.append(isolation == "AUTOCOMMIT")
        self._count(sql.split("\n", 1)[0][:100])

    def begin(self, _conn: Any) -> None:
        self._count("BEGIN")

    def commit(self, _conn: Any) -> None:
        self._count("COMMIT")


@pytest.fixture
def round_trips() -> Iterator[RoundTrips]:
    counted = RoundTrips()
    hooks = {"before_cursor_execute": counted.statement, "begin": counted.begin}
    hooks["commit"] = counted.commit
    for name, hook in hooks.items():
        event.listen(Engine, name, hook)
    try:
        yield counted
    finally:
        for name, hook in hooks.items():
            event.remove(Engine, name, hook)


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_provider_booking_is_at_most_a_few_round_trips(client, round_trips):
    provider = await new_provider(client)
    assert (await book(client, provider, "09:00")).status_code == 201
    round_trips.start()
    assert (await book(client, provider, "11:00")).status_code == 201
    assert round_trips.of_one_booking() <= PROVIDER_BOOKING_ROUND_TRIPS, round_trips.sent


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_an_appointment_is_at_most_a_few_round_trips(client, round_trips):
    await owner_calendar(client)
    assert (await appointment(client, "09:00")).status_code == 200
    round_trips.start()
    assert (await appointment(client, "11:00")).status_code == 200
    assert round_trips.of_one_booking() <= APPOINTMENT_ROUND_TRIPS, round_trips.sent


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_seat_booking_is_two_statements_each_committing_by_itself(client, round_trips):
    event = await create_event(client, ("09:00", "10:00", 50))
    slot_id = event["time_slots"][0]["id"]
    assert (await book_seat(client, slot_id)).status_code == 201
    round_trips.start()
    assert (await book_seat(client, slot_id, "Grace")).status_code == 201
    assert round_trips.of_one_seat_booking() <= SEAT_BOOKING_ROUND_TRIPS, round_trips.sent
