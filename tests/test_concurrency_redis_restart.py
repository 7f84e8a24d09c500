"""Two server processes on one PostgreSQL and a Redis that restarts (empty, same port):
the first booking after the restart reaches the other instance's subscriber within a
second, and no instance answers a slot list from before it."""

import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.support.accounts import FAST_HASHING
from tests.support.live import PATIENCE, BoardClient, booked
from tests.support.redis import private_redis
from tests.support.reservations import at, open_clinic
from tests.support.servers import running_servers

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

DAY = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()  # real servers, real clock
PROMPTLY = 1.0  # seconds from B's answer to the update on A
TEN, ELEVEN = 40, 44  # slot ids of 10:00 and 11:00 on a 15-minute calendar
READS = 20


async def test_after_a_redis_restart_news_and_cache_are_right_at_once(database_url):
    with private_redis() as redis:
        env = FAST_HASHING | {"SLOTBOOK_REDIS_URL": redis.url}
        with running_servers(database_url, 2, env=env) as (a, b):
            async with AsyncExitStack() as stack:
                on_a = await stack.enter_async_context(
                    httpx.AsyncClient(base_url=a, timeout=PATIENCE)
                )
                on_b = await stack.enter_async_context(
                    httpx.AsyncClient(base_url=b, timeout=PATIENCE)
                )
                clinic = await open_clinic(on_b, DAY)
                query = f"/slot-booking?calendar={clinic.calendar_id}&date={DAY}"
                ws = await stack.enter_async_context(connect(a.replace("http://", "ws://") + query))
                watcher = BoardClient(ws)
                assert booked(await watcher.receive()) == []

                # Both instances now hold pooled Redis connections (cache, publish).
                assert at(DAY, "10:00") in await clinic.offered(on_b)
                assert (await clinic.reserve(on_b, "11:00")).status_code == 200
                await watcher.until(lambda m: m["type"] == "slots_update" and booked(m) == [ELEVEN])

                redis.stop()
                redis.start()  # empty, on the same port: every pooled connection is dead

                assert at(DAY, "10:00") in await clinic.offered(on_a)  # A caches the day
                made = await clinic.reserve(on_b, "10:00")  # B must invalidate and publish
                answered = time.perf_counter()
                assert made.status_code == 200, made.text
                update = await watcher.until(
                    lambda m: m["type"] == "slots_update" and TEN in booked(m)
                )
                assert time.perf_counter() - answered < PROMPTLY
                assert booked(update) == [TEN, ELEVEN]

                reads = [await clinic.offered((on_a, on_b)[n % 2]) for n in range(READS)]
                assert sum(at(DAY, "10:00") in r for r in reads) == 0
