"""The Redis broker: each instance publishes its changes on one channel and listens to
the rest. After losing Redis, an instance refreshes every subscriber once it is back,
since changes may have been missed meanwhile."""

import asyncio
import logging
import uuid
from contextlib import suppress

from redis.asyncio import Redis
from redis.exceptions import RedisError

from slotbook.engine import CalendarDay
from slotbook.realtime.news import (
    FIRST_SUBSCRIBE_TIMEOUT,
    OK,
    RECONNECT_DELAYS,
    Deliver,
    Resync,
    encode,
    hear,
)

log = logging.getLogger("slotbook.realtime")

PING_TIMEOUT = 2.0


class RedisBroker:
    """Many instances: each publishes its changes on one channel and listens to the rest."""

    kind = "redis"

    def __init__(self, url: str, channel: str, deliver: Deliver, resync: Resync) -> None:
        self._origin = uuid.uuid4().hex
        self.channel = channel
        self.client_name = f"slotbook-{self._origin[:12]}"  # in Redis' CLIENT LIST
        self._redis = Redis.from_url(
            url, socket_connect_timeout=2, health_check_interval=10, client_name=self.client_name
        )
        self._deliver = deliver
        self._resync = resync
        self._subscribed = asyncio.Event()
        self._tried = asyncio.Event()  # the first subscription attempt is over
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start listening; wait for the first try to subscribe, so that no early change
        from another instance is missed."""
        self._listener = asyncio.create_task(self._listen())
        with suppress(TimeoutError):
            await asyncio.wait_for(self._tried.wait(), FIRST_SUBSCRIBE_TIMEOUT)
        if not self._subscribed.is_set():
            log.warning("redis pub/sub not reachable yet; live updates stay local until it is")

    async def publish(self, days: frozenset[CalendarDay]) -> None:
        # Tell the other instances first, in the background (this request need not wait
        # for them, and they should not wait for this instance's own fan-out).
        task = asyncio.create_task(self._send(encode(self._origin, days)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await self._deliver(days)

    async def _send(self, message: str) -> None:
        """Publish; a pooled connection that turns out dead (Redis restarted) is dropped
        with the others idle beside it, and the message sent again on a new one."""
        try:
            await self._redis.publish(self.channel, message)
            return
        except (RedisError, OSError):
            await self._redis.connection_pool.disconnect(inuse_connections=False)
        try:
            await self._redis.publish(self.channel, message)
        except (RedisError, OSError) as exc:
            log.warning("could not publish a change to redis (%s); other instances miss it", exc)

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._subscribed.set()
                    self._tried.set()
                    if failures:
                        log.warning("redis pub/sub is back; refreshing every subscriber")
                        failures = 0
                        await self._resync()
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._receive(message["data"])
            except (RedisError, OSError) as exc:
                self._subscribed.clear()
                self._tried.set()
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("redis pub/sub lost (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)

    def _receive(self, raw: str | bytes) -> None:
        hear(raw, own_origin=self._origin, deliver=self._deliver, source=self.channel)

    async def caught_up(self) -> None:
        """Nothing to wait for: with Redis the cache is in Redis too, invalidated by the
        writer before it answers (pub/sub news is not ordered with commits anyway)."""

    async def health(self) -> str:
        if self._listener is None or self._listener.done():
            return "subscriber not running"
        if not self._subscribed.is_set():
            return "not subscribed"
        try:
            await asyncio.wait_for(self._redis.ping(), PING_TIMEOUT)
        except (RedisError, OSError, TimeoutError) as exc:
            return f"unreachable ({type(exc).__name__})"
        return OK

    async def close(self) -> None:
        tasks = [*self._tasks, *([self._listener] if self._listener else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._redis.aclose()
