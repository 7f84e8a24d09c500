"""`slotbook serve --workers 2` without Redis, on SQLite and on PostgreSQL: the database
is the broker. A change made through either worker reaches the live subscribers of both,
and neither worker's in-process cache answers from before it."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from websockets.asyncio.client import connect

from tests.support.accounts import FAST_HASHING
from tests.support.live import PATIENCE, BoardClient, booked
from tests.support.reservations import at, open_clinic
from tests.support.servers import running_servers
from tests.support.workers import worker_of

DAY = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()  # real servers, real clock
WORKERS = 2
SUBSCRIBERS_EACH = 4
READS = 20
TEN = 40  # 10:00 on a 15-minute calendar


def port_of(base: str) -> int:
    port = urlsplit(base).port
    assert port is not None
    return port


async def reader_per_worker(
    stack: AsyncExitStack, base: str, ask: str, headers: dict[str, str]
) -> list[httpx.AsyncClient]:
    """One keep-alive HTTP client on each worker (made until every worker has one)."""
    readers: dict[int, httpx.AsyncClient] = {}
    for _ in range(20 * WORKERS):
        client = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=base, timeout=PATIENCE, limits=httpx.Limits(max_connections=1)
            )
        )
        response = await client.get(ask, headers=headers)
        assert response.status_code == 200, response.text
        client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
        readers.setdefault(worker_of(port_of(base), client_port), client)
        if len(readers) == WORKERS:
            return list(readers.values())
    raise AssertionError("the kernel never put a connection on every worker")


async def subscribers_on_every_worker(
    stack: AsyncExitStack, base: str, query: str
) -> list[BoardClient]:
    by_worker: dict[int, list[BoardClient]] = {}
    url = base.replace("http://", "ws://") + query
    for _ in range(20 * WORKERS * SUBSCRIBERS_EACH):
        ws = await stack.enter_async_context(connect(url, max_size=None))
        subscriber = BoardClient(ws)
        await subscriber.receive()  # the full state first
        pid = worker_of(port_of(base), ws.local_address[1])
        if len(by_worker.setdefault(pid, [])) < SUBSCRIBERS_EACH:
            by_worker[pid].append(subscriber)
        if len(by_worker) == WORKERS and all(
            len(s) == SUBSCRIBERS_EACH for s in by_worker.values()
        ):
            return [s for each in by_worker.values() for s in each]
    raise AssertionError("the kernel never put enough subscribers on every worker")


@asynccontextmanager
async def two_workers(database_url: str) -> AsyncIterator[str]:
    with running_servers(database_url, 1, workers=WORKERS, env=FAST_HASHING) as (base,):
        yield base


async def everyone_sees(subscribers: list[BoardClient], predicate: Any) -> int:
    """How many subscribers receive an update satisfying `predicate` (each within PATIENCE)."""
    seen = 0
    for subscriber in subscribers:
        try:
            await subscriber.until(lambda m: m["type"] == "slots_update" and predicate(m))
        except TimeoutError:
            continue
        seen += 1
    return seen


async def test_every_subscriber_hears_every_change_and_no_cache_is_stale(database_url):
    async with two_workers(database_url) as base, AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=PATIENCE))
        clinic = await open_clinic(http, DAY)
        ask = f"/providers/{clinic.provider.id}/time-slots?start_date={DAY}&end_date={DAY}"
        first, second = await reader_per_worker(stack, base, ask, clinic.patient.headers)
        subscribers = await subscribers_on_every_worker(
            stack, base, f"/slot-booking?calendar={clinic.calendar_id}&date={DAY}"
        )
        ten = at(DAY, "10:00")
        for reader in (first, second):  # each worker has the day cached
            assert ten in await clinic.offered(reader)

        # a change made on the first worker
        made = await clinic.reserve(first, "10:00")
        assert made.status_code == 200, made.text
        assert await everyone_sees(subscribers, lambda m: TEN in booked(m)) == len(subscribers)
        reads = [await clinic.offered((first, second)[n % 2]) for n in range(READS)]
        assert sum(ten in r for r in reads) == 0

        # a change made on the second worker
        cancelled = await second.post(
            "/appointments/cancel",
            json={"slot_id": made.json()["slot_id"]},
            headers=clinic.patient.headers,
        )
        assert cancelled.status_code == 200, cancelled.text
        assert await everyone_sees(subscribers, lambda m: TEN not in booked(m)) == len(subscribers)
        reads = [await clinic.offered((first, second)[n % 2]) for n in range(READS)]
        assert sum(ten in r for r in reads) == READS
