"""The Redis broker, on the real Redis: changes cross instances after commit, each once."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import date

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from slotbook.engine import CalendarDay
from slotbook.realtime.redis_broker import RedisBroker
from tests.support.databases import REDIS_TEST_URL, unavailable
from tests.support.live import PATIENCE
from tests.support.redis import PrivateRedis, private_redis

MONDAY = CalendarDay(7, date(2031, 1, 20))
EVERY_DAY = CalendarDay(8, None)


class Instance:
    """What one instance's hub hears from its broker."""

    def __init__(self) -> None:
        self.heard: list[frozenset[CalendarDay]] = []
        self.resyncs = 0
        self.changed = asyncio.Condition()

    async def deliver(self, days: Iterable[CalendarDay]) -> None:
        async with self.changed:
            self.heard.append(frozenset(days))
            self.changed.notify_all()

    def deliver_now(self, days: Iterable[CalendarDay]) -> asyncio.Task[None]:
        return asyncio.ensure_future(self.deliver(days))

    async def resync(self) -> None:
        async with self.changed:
            self.resyncs += 1
            self.changed.notify_all()

    async def until(self, predicate) -> None:
        async with asyncio.timeout(PATIENCE), self.changed:
            await self.changed.wait_for(predicate)


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_TEST_URL)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        unavailable(f"Redis at {REDIS_TEST_URL}", exc)
    yield client
    await client.aclose()


@pytest.fixture
async def pair(redis) -> AsyncIterator[tuple[Instance, RedisBroker, Instance, RedisBroker]]:
    channel = f"test-{uuid.uuid4().hex}:calendar-days"
    a, b = Instance(), Instance()
    broker_a = RedisBroker(REDIS_TEST_URL, channel, a.deliver_now, a.resync)
    broker_b = RedisBroker(REDIS_TEST_URL, channel, b.deliver_now, b.resync)
    await broker_a.start()
    await broker_b.start()
    yield a, broker_a, b, broker_b
    await broker_a.close()
    await broker_b.close()


async def test_a_change_reaches_the_other_instance_and_each_hears_it_once(pair):
    a, broker_a, b, _ = pair
    await broker_a.publish(frozenset({MONDAY, EVERY_DAY}))
    assert a.heard == [frozenset({MONDAY, EVERY_DAY})]  # delivered here before publish returns
    await b.until(lambda: b.heard)
    assert b.heard == [frozenset({MONDAY, EVERY_DAY})]
    await broker_a.publish(frozenset({MONDAY}))
    await b.until(lambda: len(b.heard) == 2)
    assert a.heard == [frozenset({MONDAY, EVERY_DAY}), frozenset({MONDAY})]


async def test_messages_that_are_not_news_are_skipped_and_later_news_is_heard(pair, redis, caplog):
    _, broker_a, b, broker_b = pair
    deep = "[" * 100_000 + "]" * 100_000  # valid JSON, too deep for the parser
    for garbage in ("not json", '{"origin": "x", "days": [["a", "b"]]}', deep, b"\xff\x00"):
        await redis.publish(broker_a.channel, garbage)
    await broker_a.publish(frozenset({MONDAY}))
    await b.until(lambda: b.heard)
    assert b.heard == [frozenset({MONDAY})]
    assert await broker_b.health() == "ok"
    skipped = [r for r in caplog.records if "not news" in r.getMessage()]
    assert len(skipped) == 2 * 4  # each instance skips each


async def test_a_subscriber_that_stopped_is_reported(pair):
    _, _, _, broker_b = pair
    assert broker_b._listener is not None
    broker_b._listener.cancel()  # however it stopped, health must say so
    await asyncio.gather(broker_b._listener, return_exceptions=True)
    assert await broker_b.health() == "subscriber not running"


async def test_after_losing_redis_an_instance_refreshes_everyone_and_hears_again(pair, redis):
    a, broker_a, b, broker_b = pair
    killed = 0
    for client in await redis.client_list(_type="pubsub"):
        if client["name"] == broker_a.client_name:
            killed += await redis.client_kill_filter(_id=client["id"])
    assert killed == 1
    await a.until(lambda: a.resyncs == 1)
    await broker_a.publish(frozenset({MONDAY}))  # a hears its own change locally
    await b.until(lambda: b.heard)
    await broker_b.publish(frozenset({EVERY_DAY}))
    await a.until(lambda: frozenset({EVERY_DAY}) in a.heard)
    assert b.resyncs == 0


@pytest.fixture
async def restartable_pair() -> AsyncIterator[tuple[PrivateRedis, Instance, RedisBroker, Instance]]:
    with private_redis() as server:
        channel = f"test-{uuid.uuid4().hex}:calendar-days"
        a, b = Instance(), Instance()
        broker_a = RedisBroker(server.url, channel, a.deliver_now, a.resync)
        broker_b = RedisBroker(server.url, channel, b.deliver_now, b.resync)
        await broker_a.start()
        await broker_b.start()
        try:
            yield server, a, broker_a, b
        finally:
            await broker_a.close()
            await broker_b.close()


async def test_after_a_redis_restart_the_first_change_reaches_the_other_instance(
    restartable_pair,
):
    server, _, broker_a, b = restartable_pair
    await broker_a.publish(frozenset({MONDAY}))  # both now hold pooled connections
    await b.until(lambda: len(b.heard) == 1)
    server.stop()
    server.start()  # empty, on the same port
    await b.until(lambda: b.resyncs == 1)  # b is subscribed again
    await broker_a.publish(frozenset({EVERY_DAY}))  # a's pooled connection is dead
    await b.until(lambda: frozenset({EVERY_DAY}) in b.heard)
