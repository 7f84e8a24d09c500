"""Two server processes on one PostgreSQL and one Redis: a subscriber on one instance
sees, within a second, what happens on the other."""

import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as wall

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import connect

from slotbook.db import Database
from slotbook.realtime.broker import RedisBroker
from slotbook.services import calendars as cal
from slotbook.services.bookings import claim_time, expire_stale_holds
from slotbook.services.engine import Engine
from slotbook.settings import Settings
from slotbook.store.tables import calendars
from tests.support.clock import FrozenClock
from tests.support.databases import REDIS_TEST_URL
from tests.support.live import BoardClient, booked
from tests.support.servers import running_servers

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

PROMPTLY = 1.0  # seconds from the change's commit to the update on the other instance


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
    """The next `slots_update`, and how long after `since` it arrived."""
    update = await client.until(lambda m: m["type"] == "slots_update")
    return update, time.perf_counter() - since


async def test_changes_on_one_instance_reach_subscribers_of_the_other(database_url):
    prefix = f"test-{uuid.uuid4().hex}"
    env = {"SLOTBOOK_REDIS_URL": REDIS_TEST_URL, "SLOTBOOK_REDIS_CHANNEL_PREFIX": prefix}
    day = (datetime.now(UTC) + timedelta(days=1)).date()
    with running_servers(database_url, 2, env=env) as (a, b):
        async with httpx.AsyncClient(base_url=b, timeout=10) as on_b:
            hours = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
            assert (await on_b.post("/api/v1/availability", json=hours)).status_code == 200
            alice = await owner_calendar_id(database_url, "alice")
            url = a.replace("http://", "ws://") + f"/slot-booking?calendar={alice}&date={day}"
            async with connect(url) as ws:
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
                committed = time.perf_counter()
                assert made.status_code == 200
                update, after = await next_update(watcher, committed)
                assert booked(update) == [10]
                assert after < PROMPTLY

                # a booking made on B's board
                b_url = b.replace("http://", "ws://") + f"/slot-booking?calendar={alice}&date={day}"
                async with connect(b_url) as other:
                    on_b_board = BoardClient(other)
                    await on_b_board.receive()
                    await on_b_board.send({"type": "book_slot", "slot_id": 12})
                    sent = time.perf_counter()
                    update, after = await next_update(watcher, sent)
                    assert booked(update) == [10, 12]
                    assert after < PROMPTLY

                # a hold placed, then expiring, on another instance of the same deployment
                await hold_then_expire(database_url, prefix, alice, day, watcher)


async def hold_then_expire(database_url, prefix, calendar_id, day, watcher) -> None:
    """An instance without HTTP (this test process) holds 11:00, then records its expiry."""
    clock = FrozenClock(datetime.now(UTC))
    settings = Settings(database_url=database_url, _env_file=None)
    engine = Engine(settings, Database(database_url), clock)

    async def no_local_subscribers(_days: object) -> None:
        return None

    broker = RedisBroker(
        REDIS_TEST_URL, f"{prefix}:calendar-days", no_local_subscribers, no_local_subscribers
    )
    await broker.start()
    engine.on_change(broker.publish)
    try:
        async with engine.unit(write=True) as uow:
            calendar = await cal.get_calendar(uow, calendar_id)
            hold = await claim_time(
                uow,
                calendar=calendar,
                start_at=calendar.at(day, wall(11)),
                source="test",
                hold_for=timedelta(minutes=30),
            )
        update, _ = await next_update(watcher, time.perf_counter())
        assert booked(update) == [10, 11, 12]
        clock.advance(minutes=30)
        async with engine.unit(write=True) as uow:
            await expire_stale_holds(uow, calendar, hold.booking.start_at, hold.booking.end_at)
        expired = time.perf_counter()
        update, after = await next_update(watcher, expired)
        assert booked(update) == [10, 12]
        assert after < PROMPTLY
    finally:
        await broker.close()
        await engine.db.dispose()
