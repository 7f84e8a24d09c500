"""Two server processes on one PostgreSQL and one Redis: a subscriber on instance A sees,
within a second, what happens on instance B: a REST booking, a board booking, a hold that
expires (recorded by B's sweeper; A's sweeper is kept out of it)."""

import time
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import connect

from slotbook.booking.claims import claim_time
from slotbook.calendars import calendars as cal
from slotbook.engine import Engine
from slotbook.settings import Settings
from slotbook.store.db import Database
from slotbook.store.tables import calendars
from tests.support.databases import REDIS_TEST_URL
from tests.support.live import BoardClient, booked
from tests.support.servers import running_servers

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

PROMPTLY = 1.0  # seconds from a change on B to the update on A
HOLD = timedelta(seconds=1)


async def owner_calendar_id(database_url: str, owner: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            query = select(calendars.c.id).where(
                calendars.c.kind == "owner", calendars.c.owner_key == owner
            )
            return (await conn.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def next_update(client: BoardClient, since: float) -> tuple[dict, float]:
    """The next `slots_update`, and how long after `since` (perf_counter) it arrived."""
    update = await client.until(lambda m: m["type"] == "slots_update")
    return update, time.perf_counter() - since


async def hold_slot(database_url: str, calendar_id: int, day: date, hour: int) -> datetime:
    """Hold `hour` for a moment, written straight to the database (nobody is told); when
    the hold expires."""
    engine = Engine(Settings(database_url=database_url, _env_file=None), Database(database_url))
    try:
        async with engine.unit(write=True) as uow:
            calendar = await cal.get_calendar(uow, calendar_id)
            made = await claim_time(
                uow,
                calendar=calendar,
                start_at=calendar.at(day, wall(hour)),
                source="test",
                hold_for=HOLD,
            )
    finally:
        await engine.db.dispose()
    assert made.booking.hold_expires_at is not None
    return made.booking.hold_expires_at


async def test_changes_on_one_instance_reach_subscribers_of_the_other(database_url):
    redis = {
        "SLOTBOOK_REDIS_URL": REDIS_TEST_URL,
        "SLOTBOOK_REDIS_CHANNEL_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    day = (datetime.now(UTC) + timedelta(days=1)).date()
    never, often = (redis | {"SLOTBOOK_SWEEP_INTERVAL_SECONDS": s} for s in ("3600", "0.1"))
    with ExitStack() as servers:
        (a,) = servers.enter_context(running_servers(database_url, 1, env=never))
        (b,) = servers.enter_context(running_servers(database_url, 1, env=often))
        async with httpx.AsyncClient(base_url=b, timeout=10) as on_b:
            hours = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
            assert (await on_b.post("/api/v1/availability", json=hours)).status_code == 200
            alice = await owner_calendar_id(database_url, "alice")
            query = f"/slot-booking?calendar={alice}&date={day}"
            async with connect(a.replace("http://", "ws://") + query) as ws:
                watcher = BoardClient(ws)
                assert booked(await watcher.receive()) == []

                # a booking made over REST on B
                appointment = hours | {
                    "invitee_name": "Bob",
                    "invitee_email": "bob@example.com",
                    "date": day.isoformat(),
                    "slot_start_time": "10:00",
                }
                made = await on_b.post("/api/v1/appointments", json=appointment)
                answered = time.perf_counter()
                assert made.status_code == 200
                update, after = await next_update(watcher, answered)
                assert booked(update) == [10]
                assert after < PROMPTLY
                print(f"REST booking on B seen on A after {after * 1000:.0f} ms")

                # a booking made on B's board
                async with connect(b.replace("http://", "ws://") + query) as ws_b:
                    on_b_board = BoardClient(ws_b)
                    await on_b_board.receive()
                    await on_b_board.send({"type": "book_slot", "slot_id": 12})
                    sent = time.perf_counter()
                    update, after = await next_update(watcher, sent)
                    assert booked(update) == [10, 12]
                    assert after < PROMPTLY
                    print(f"board booking on B seen on A after {after * 1000:.0f} ms")

                # a hold that expires: B's sweeper records it, A's subscriber hears it
                expires_at = await hold_slot(database_url, alice, day, 11)
                assert booked(await watcher.ask({"type": "get_slots"})) == [10, 11, 12]
                update = await watcher.until(
                    lambda m: m["type"] == "slots_update" and 11 not in booked(m)
                )
                assert booked(update) == [10, 12]
                late = datetime.now(UTC) - expires_at
                assert late < timedelta(seconds=PROMPTLY)
                print(f"hold expiry seen on A {late.total_seconds() * 1000:.0f} ms after it")
