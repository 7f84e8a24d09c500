"""The Redis broker, on the real Redis: changes cross instances after commit, each once."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import date

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from slotbook.engine import CalendarDay
from slotbook.realtime.broker import RedisBroker
from tests.support.databases import REDIS_TEST_URL, unavailable
from tests.support.live import PATIENCE

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


async def test_malformed_messages_on_the_channel_are_ignored(pair, redis):
    _, broker_a, b, _ = pair
    await redis.publish(broker_a.channel, "not json")
    await redis.publish(broker_a.channel, '{"origin": "x", "days": [["a", "b"]]}')
    await broker_a.publish(frozenset({MONDAY}))
    await b.until(lambda: b.heard)
    assert b.heard == [frozenset({MONDAY})]


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
