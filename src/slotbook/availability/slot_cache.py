"""The time-slot cache: one entry per calendar and local date, in Redis or in process.

An entry holds a day's unclaimed slots before the booking window is applied (so it does
not go stale as the clock moves) and, when a hold blocks one of them, the instant that
hold runs out: the entry is not used after it. `invalidate` is the engine's change
listener, so entries are dropped right after every commit that touches their
calendar-day, before the writing request answers. Bookings are never decided here.

Two counters per calendar close the gap between a reader's database read and its cache
write: `changes` counts every invalidation (a reader stores nothing if it moved while
the reader read), `schedule` counts whole-calendar changes (an entry carries the value
it was computed under, so all of a calendar's entries go at once).

Redis failures. A command that meets a dead pooled connection (Redis restarted) is sent
again once on a new one. If Redis still cannot be reached, answers go uncached, a
warning is logged, and from then on, every `retry_after` seconds whether or not requests
come, the cache tries to bump a global generation, which disowns every entry written
before: an invalidation of this instance may have been missed meanwhile. Caching resumes
once a bump succeeds that was not overtaken by another missed invalidation. So an
undeliverable invalidation leaves an answer from before the change in place only while
this instance cannot reach Redis, and not a moment after.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from slotbook.engine import CalendarDay
from slotbook.scheduling import Slot
from slotbook.settings import Settings

log = logging.getLogger("slotbook.cache")
T = TypeVar("T")

#: Redis socket timeouts (seconds): a Redis that does not answer costs a request this much
SOCKET_TIMEOUT = 0.25
#: after a Redis failure, seconds between tries to disown older entries (and resume)
RETRY_AFTER = 0.2
#: most entries the in-process cache keeps (least recently used go first)
MEMORY_ENTRIES = 20_000

#: (generation, schedule, changes)
Versions = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class DaySlots:
    """One local day's unclaimed slots; not to be used from `valid_until` on."""

    slots: tuple[Slot, ...]
    valid_until: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.valid_until is None or now < self.valid_until


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a read found: usable days, and the versions a later store must match."""

    calendar_id: int
    days: dict[date, DaySlots]
    versions: Versions | None  # None: the cache is out of reach; store nothing


def _encode(versions: Versions, day: DaySlots) -> str:
    return json.dumps(
        {
            "v": list(versions[:2]),
            "until": day.valid_until.isoformat() if day.valid_until else None,
            "slots": [
                [s.start.isoformat(), s.end.isoformat(), s.local_start.isoformat()]
                for s in day.slots
            ],
        }
    )


def _decode(text: str | bytes, versions: Versions) -> DaySlots | None:
    """The entry's slots if it was written under these versions (and readable), else None."""
    try:
        entry = json.loads(text)
        if entry["v"] != list(versions[:2]):
            return None
        until = entry["until"]
        return DaySlots(
            tuple(Slot(*(datetime.fromisoformat(v) for v in s)) for s in entry["slots"]),
            datetime.fromisoformat(until) if until else None,
        )
    except (ValueError, KeyError, TypeError):
        return None


class Store(Protocol):
    #: True: one store for every process (Redis); False: each process has its own
    shared: bool

    async def read(self, calendar_id: int, days: list[date]) -> tuple[Versions, dict[date, str]]:
        """The calendar's versions and the stored entries of `days`."""

    async def store(self, calendar_id: int, changes: int, entries: dict[date, str]) -> None:
        """Store `entries` unless the calendar's `changes` counter moved on."""

    async def invalidate(self, changed: frozenset[CalendarDay]) -> None: ...

    async def new_generation(self) -> None: ...

    def forget(self, changed: frozenset[CalendarDay] | None) -> None:
        """Drop what changed (None: everything) in this process's own store, on news of
        another process's change."""

    async def close(self) -> None: ...


class MemoryStore:
    """Entries in this process's memory (each process has its own, kept coherent with the
    others' changes by the broker's news)."""

    shared = False

    def __init__(self, ttl: float, capacity: int = MEMORY_ENTRIES) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._entries: OrderedDict[tuple[int, date], tuple[float, str]] = OrderedDict()
        self._generation = 0
        self._schedule: dict[int, int] = {}
        self._changes: dict[int, int] = {}

    async def read(self, calendar_id: int, days: list[date]) -> tuple[Versions, dict[date, str]]:
        versions = (
            self._generation,
            self._schedule.get(calendar_id, 0),
            self._changes.get(calendar_id, 0),
        )
        found: dict[date, str] = {}
        now = time.monotonic()
        for day in days:
            item = self._entries.get((calendar_id, day))
            if item is not None and item[0] > now:
                found[day] = item[1]
                self._entries.move_to_end((calendar_id, day))
        return versions, found

    async def store(self, calendar_id: int, changes: int, entries: dict[date, str]) -> None:
        if self._changes.get(calendar_id, 0) != changes:
            return
        expires = time.monotonic() + self._ttl
        for day, text in entries.items():
            self._entries[(calendar_id, day)] = (expires, text)
            self._entries.move_to_end((calendar_id, day))
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    async def invalidate(self, changed: frozenset[CalendarDay]) -> None:
        self.forget(changed)

    async def new_generation(self) -> None:
        self.forget(None)

    def forget(self, changed: frozenset[CalendarDay] | None) -> None:
        if changed is None:
            self._generation += 1
            self._entries.clear()
            return
        for item in changed:
            cid = item.calendar_id
            self._changes[cid] = self._changes.get(cid, 0) + 1
            if item.day is None:
                self._schedule[cid] = self._schedule.get(cid, 0) + 1
            else:
                self._entries.pop((cid, item.day), None)

    async def close(self) -> None:
        self._entries.clear()


# KEYS[1]: the calendar's changes counter; KEYS[2..]: entries. ARGV[1]: the counter as
# the reader saw it; ARGV[2]: time to live; ARGV[3..]: the entries' values.
STORE_IF_UNCHANGED = """
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ARGV[2]) end
return 1
"""


class RedisStore:
    """Entries in Redis, shared by every instance, under
    `{prefix}provider:{calendar id}:timeslots:{date}`."""

    shared = True

    def __init__(self, url: str, *, prefix: str, ttl: int) -> None:
        self._redis = Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            # once more on a new connection if the pooled one is dead; never on a timeout
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
            decode_responses=True,
        )
        self._prefix = prefix
        self._ttl = ttl
        self._store = self._redis.register_script(STORE_IF_UNCHANGED)

    def _key(self, calendar_id: int, what: str) -> str:
        return f"{self._prefix}provider:{calendar_id}:timeslots:{what}"

    async def read(self, calendar_id: int, days: list[date]) -> tuple[Versions, dict[date, str]]:
        keys = [
            f"{self._prefix}timeslots:generation",
            self._key(calendar_id, "schedule"),
            self._key(calendar_id, "changes"),
            *(self._key(calendar_id, d.isoformat()) for d in days),
        ]
        values = await self._redis.mget(keys)
        generation, schedule, changes = (int(v or 0) for v in values[:3])
        found = {d: v for d, v in zip(days, values[3:], strict=True) if isinstance(v, str)}
        return (generation, schedule, changes), found

    async def store(self, calendar_id: int, changes: int, entries: dict[date, str]) -> None:
        keys = [self._key(calendar_id, d.isoformat()) for d in entries]
        await self._store(
            keys=[self._key(calendar_id, "changes"), *keys],
            args=[changes, self._ttl, *entries.values()],
        )

    async def invalidate(self, changed: frozenset[CalendarDay]) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for item in changed:
                pipe.incr(self._key(item.calendar_id, "changes"))
                if item.day is None:
                    pipe.incr(self._key(item.calendar_id, "schedule"))
                else:
                    pipe.delete(self._key(item.calendar_id, item.day.isoformat()))
            await pipe.execute()

    async def new_generation(self) -> None:
        await self._redis.incr(f"{self._prefix}timeslots:generation")

    def forget(self, changed: frozenset[CalendarDay] | None) -> None:
        """Nothing: the writer invalidated the shared entries itself."""

    async def close(self) -> None:
        await self._redis.aclose()


class _Skipped(Exception):
    """The store is out of reach: go uncached."""


class SlotCache:
    """Cached day slots; never raises, whatever happens to the store behind it."""

    def __init__(self, store: Store, *, retry_after: float = RETRY_AFTER) -> None:
        self._store = store
        self._retry_after = retry_after
        self._recovery: asyncio.Task[None] | None = None  # set while the store is out of reach
        self._missed = False  # an invalidation was not delivered since the last bump began
        self._caught_up: Callable[[], Awaitable[None]] | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> "SlotCache":
        """In Redis when `redis_url` is set, in process otherwise."""
        ttl = settings.cache_expiry_seconds
        if settings.redis_url:
            return cls(RedisStore(settings.redis_url, prefix=settings.cache_key_prefix, ttl=ttl))
        return cls(MemoryStore(ttl))

    @property
    def reachable(self) -> bool:
        return self._recovery is None

    def follow(self, caught_up: Callable[[], Awaitable[None]]) -> None:
        """With a store of this process's own: before each read, wait for `caught_up`
        (every change another process committed before the read has been heard here), so
        no answer predates a change the reader should see. A shared store needs no wait."""
        if not self._store.shared:
            self._caught_up = caught_up

    def heard(self, changed: frozenset[CalendarDay] | None) -> None:
        """News of another process's change (None: news may have been missed)."""
        self._store.forget(changed)

    async def _guarded(self, operation: Callable[[], Awaitable[T]]) -> T:
        if self._recovery is not None:
            raise _Skipped()
        try:
            return await operation()
        except (TimeoutError, RedisError, OSError) as exc:
            if self._recovery is None:
                log.warning("slot cache unreachable (%s); answering uncached meanwhile", exc)
                self._recovery = asyncio.create_task(self._recover())
            raise _Skipped() from exc

    async def _recover(self) -> None:
        """Until a generation bump lands with no invalidation missed meanwhile: wait, bump."""
        while True:
            await asyncio.sleep(self._retry_after)
            self._missed = False
            try:
                await self._store.new_generation()
            except (TimeoutError, RedisError, OSError):
                continue
            if not self._missed:
                break
        log.info("slot cache reachable again; caching resumes")
        self._recovery = None

    async def read(self, calendar_id: int, days: list[date], now: datetime) -> Snapshot:
        """The cached days still usable at `now`."""
        if self._caught_up is not None:
            try:
                await self._caught_up()
            except Exception:  # whether news was missed is unknown: answer uncached
                log.debug("not caught up with other processes' changes", exc_info=True)
                return Snapshot(calendar_id, {}, None)
        try:
            versions, found = await self._guarded(lambda: self._store.read(calendar_id, days))
        except _Skipped:
            return Snapshot(calendar_id, {}, None)
        usable = {}
        for day, text in found.items():
            entry = _decode(text, versions)
            if entry is not None and entry.usable_at(now):
                usable[day] = entry
        return Snapshot(calendar_id, usable, versions)

    async def store(self, snapshot: Snapshot, days: dict[date, DaySlots]) -> None:
        """Keep `days`, read after `snapshot`, unless the calendar changed in between."""
        versions = snapshot.versions
        if versions is None or not days:
            return
        entries = {d: _encode(versions, slots) for d, slots in days.items()}
        with contextlib.suppress(_Skipped):
            await self._guarded(
                lambda: self._store.store(snapshot.calendar_id, versions[2], entries)
            )

    async def invalidate(self, changed: frozenset[CalendarDay]) -> None:
        """The engine's change listener: drop the entries of the changed calendar-days (if
        that cannot be done, every entry is disowned as soon as the store is back)."""
        try:
            await self._guarded(lambda: self._store.invalidate(changed))
        except _Skipped:
            self._missed = True

    async def close(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel()
            await asyncio.gather(self._recovery, return_exceptions=True)
        await self._store.close()
