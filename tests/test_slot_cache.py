"""The time-slot cache, against a real Redis: cached per provider and date, dropped on
every change before the change answers, and harmless when Redis goes away."""

import logging
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from slotbook.availability.slot_cache import DaySlots, MemoryStore, RedisStore, SlotCache
from slotbook.engine import CalendarDay
from slotbook.scheduling import Slot
from slotbook.store.tables import bookings
from tests.support.accounts import Account, sign_up
from tests.support.clock import FrozenClock
from tests.support.live import eventually
from tests.support.redis import delete_prefixed, keys, private_redis, require_redis
from tests.support.reservations import DAY, WEEKDAYS_9_TO_5, at
from tests.support.servers import free_port

pytestmark = pytest.mark.services
MONDAY = date.fromisoformat(DAY)


@pytest.fixture
def prefix() -> str:
    return f"slotbook-test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def cache_redis_url(prefix):
    url = require_redis()
    yield url
    delete_prefixed(url, prefix)


@pytest.fixture
def settings(settings, cache_redis_url, prefix):
    return settings.model_copy(
        update={
            "redis_url": cache_redis_url,
            "cache_key_prefix": prefix,
            "access_token_expire_minutes": 7 * 24 * 60,
        }
    )


@pytest.fixture
async def provider(client) -> Account:
    account = await sign_up(client, "provider", "doc@example.com")
    response = await client.post(
        f"/providers/{account.id}/availability", json=WEEKDAYS_9_TO_5, headers=account.headers
    )
    assert response.status_code == 200
    return account


@pytest.fixture
async def patient(client) -> Account:
    return await sign_up(client, "patient", "pat@example.com")


async def starts(
    client: httpx.AsyncClient, who: Account, provider: Account, last: str = DAY
) -> list[str]:
    response = await client.get(
        f"/providers/{provider.id}/time-slots",
        params={"start_date": DAY, "end_date": last},
        headers=who.headers,
    )
    assert response.status_code == 200, response.text
    return [s["start_time"][:16] for s in response.json()]


async def reserve(client, patient: Account, provider: Account, clock: str) -> httpx.Response:
    return await client.post(
        "/appointments/reserve",
        json={"provider_id": provider.id, "start_time": at(DAY, clock)},
        headers=patient.headers,
    )


async def calendar_id_of(client, provider: Account) -> int:
    admin = await sign_up(client, "admin", "root@example.com")
    [entry] = (await client.get("/providers", headers=admin.headers)).json()
    assert entry["id"] == provider.id
    return entry["calendar_id"]


async def book_behind_the_engines_back(database_url: str, calendar_id: int, clock: str) -> None:
    """A booking written straight into the database: no engine, so no invalidation."""
    start = datetime.fromisoformat(at(DAY, clock))
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(bookings).values(
                    calendar_id=calendar_id,
                    start_at=start,
                    end_at=start + timedelta(minutes=15),
                    status="confirmed",
                    token_hash=uuid.uuid4().hex,
                    source="test",
                    created_at=start,
                    updated_at=start,
                )
            )
    finally:
        await engine.dispose()


async def test_time_slots_are_cached_per_provider_and_date(
    client, provider, patient, cache_redis_url, prefix
):
    await starts(client, patient, provider, last="2031-01-21")
    calendar_id = await calendar_id_of(client, provider)
    stored = keys(cache_redis_url, prefix)
    assert f"{prefix}provider:{calendar_id}:timeslots:2031-01-20" in stored
    assert f"{prefix}provider:{calendar_id}:timeslots:2031-01-21" in stored


async def test_a_booking_right_after_a_cached_read_shows_in_the_next_read(
    client, provider, patient
):
    assert f"{DAY}T10:00" in await starts(client, patient, provider)
    assert (await reserve(client, patient, provider, "10:00")).status_code == 200
    assert f"{DAY}T10:00" not in await starts(client, patient, provider)


async def test_reads_come_from_the_cache_until_a_change_drops_the_days_entry(
    client, provider, patient, settings
):
    await starts(client, patient, provider)
    calendar_id = await calendar_id_of(client, provider)
    await book_behind_the_engines_back(settings.database_url, calendar_id, "11:00")
    assert f"{DAY}T11:00" in await starts(client, patient, provider)  # the cached answer
    # ...which never lets a booking through: the database decides
    assert (await reserve(client, patient, provider, "11:00")).status_code == 409
    assert (await reserve(client, patient, provider, "10:00")).status_code == 200
    offered = await starts(client, patient, provider)
    assert f"{DAY}T10:00" not in offered and f"{DAY}T11:00" not in offered


async def test_a_cached_hold_is_offered_again_the_moment_it_expires(
    client, provider, patient, clock: FrozenClock
):
    await reserve(client, patient, provider, "10:00")
    assert f"{DAY}T10:00" not in await starts(client, patient, provider)
    clock.advance(minutes=30)
    assert f"{DAY}T10:00" in await starts(client, patient, provider)


async def test_changing_availability_drops_every_cached_date_of_that_provider(
    client, provider, patient
):
    other = await sign_up(client, "provider", "other@example.com")
    await client.post(
        f"/providers/{other.id}/availability", json=WEEKDAYS_9_TO_5, headers=other.headers
    )
    assert len(await starts(client, patient, provider, last="2031-01-24")) == 5 * 32
    assert len(await starts(client, patient, other, last="2031-01-24")) == 5 * 32
    monday_only = {"general_schedule": {"times": [{"days": "M", "start": "9am", "end": "10am"}]}}
    await client.post(
        f"/providers/{provider.id}/availability", json=monday_only, headers=provider.headers
    )
    assert len(await starts(client, patient, provider, last="2031-01-24")) == 4
    assert len(await starts(client, patient, other, last="2031-01-24")) == 5 * 32


def _day(*hours: int) -> DaySlots:
    return DaySlots(
        tuple(
            Slot(
                datetime(2031, 1, 20, h, tzinfo=UTC),
                datetime(2031, 1, 20, h, 15, tzinfo=UTC),
                datetime(2031, 1, 20, h),
            )
            for h in hours
        )
    )


@pytest.fixture(params=["memory", "redis"])
async def cache(request, prefix):
    if request.param == "memory":
        store = MemoryStore(ttl=60)
    else:
        url = require_redis()
        request.addfinalizer(lambda: delete_prefixed(url, prefix))
        store = RedisStore(url, prefix=prefix, ttl=60)
    slot_cache = SlotCache(store)
    yield slot_cache
    await slot_cache.close()


NOW = datetime(2031, 1, 15, 8, tzinfo=UTC)


async def test_an_answer_read_before_a_change_is_not_cached_after_it(cache: SlotCache):
    before = await cache.read(7, [MONDAY], NOW)
    assert before.days == {}
    await cache.invalidate(frozenset({CalendarDay(7, MONDAY)}))  # a booking commits
    await cache.store(before, {MONDAY: _day(9, 10)})  # the slower reader's stale answer
    assert (await cache.read(7, [MONDAY], NOW)).days == {}
    fresh = await cache.read(7, [MONDAY], NOW)
    await cache.store(fresh, {MONDAY: _day(9)})
    assert (await cache.read(7, [MONDAY], NOW)).days == {MONDAY: _day(9)}


async def test_a_whole_calendar_change_drops_its_dates_and_no_others(cache: SlotCache):
    tuesday = MONDAY + timedelta(days=1)
    for calendar_id in (7, 8):
        snapshot = await cache.read(calendar_id, [MONDAY, tuesday], NOW)
        await cache.store(snapshot, {MONDAY: _day(9), tuesday: _day(10)})
    await cache.invalidate(frozenset({CalendarDay(7, None)}))
    assert (await cache.read(7, [MONDAY, tuesday], NOW)).days == {}
    assert len((await cache.read(8, [MONDAY, tuesday], NOW)).days) == 2


async def test_an_entry_with_a_hold_is_not_used_once_the_hold_runs_out(cache: SlotCache):
    until = NOW + timedelta(minutes=30)
    snapshot = await cache.read(7, [MONDAY], NOW)
    await cache.store(snapshot, {MONDAY: DaySlots(_day(9).slots, until)})
    assert MONDAY in (await cache.read(7, [MONDAY], until - timedelta(seconds=1))).days
    assert (await cache.read(7, [MONDAY], until)).days == {}


class TestRedisOnAClosedPort:
    @pytest.fixture
    def cache_redis_url(self):
        return f"redis://127.0.0.1:{free_port()}/0"

    async def test_everything_works_uncached_with_one_warning(
        self, client, provider, patient, caplog
    ):
        assert len(await starts(client, patient, provider)) == 32
        made = await reserve(client, patient, provider, "10:00")
        assert made.status_code == 200
        assert f"{DAY}T10:00" not in await starts(client, patient, provider)
        slot = {"slot_id": made.json()["slot_id"]}
        cancel = await client.post("/appointments/cancel", json=slot, headers=patient.headers)
        assert cancel.status_code == 200
        assert f"{DAY}T10:00" in await starts(client, patient, provider)
        records = caplog.get_records("setup") + caplog.get_records("call")
        warnings = [r for r in records if r.name == "slotbook.cache"]
        assert len(warnings) == 1  # the first failure, during the fixtures' sign-up
        assert warnings[0].levelno == logging.WARNING
        assert "unreachable" in warnings[0].getMessage()


async def _until_cached(client, patient, provider, url: str, prefix: str) -> list[str]:
    """Read until an answer is stored in Redis again (polling with a deadline)."""
    deadline = datetime.now(UTC) + timedelta(seconds=15)
    while datetime.now(UTC) < deadline:
        offered = await starts(client, patient, provider)
        if any(k.endswith(f":timeslots:{DAY}") for k in keys(url, prefix)):
            return offered
    raise AssertionError("caching did not resume within 15 s")


class TestRedisGoingAwayMidTest:
    @pytest.fixture
    def redis_server(self):
        with private_redis() as server:
            yield server

    @pytest.fixture
    def cache_redis_url(self, redis_server):
        return redis_server.url

    async def test_stopped_redis_means_uncached_answers_then_caching_resumes(
        self, client, provider, patient, redis_server, prefix, caplog
    ):
        await starts(client, patient, provider)
        assert keys(redis_server.url, prefix)
        redis_server.stop()
        with caplog.at_level(logging.INFO, logger="slotbook.cache"):
            assert (await reserve(client, patient, provider, "10:00")).status_code == 200
            assert f"{DAY}T10:00" not in await starts(client, patient, provider)
            redis_server.start()  # empty: a restarted Redis without persistence
            offered = await _until_cached(client, patient, provider, redis_server.url, prefix)
        assert f"{DAY}T10:00" not in offered
        messages = [r.getMessage() for r in caplog.records if r.name == "slotbook.cache"]
        assert any("unreachable" in m for m in messages)
        assert any("caching resumes" in m for m in messages)

    async def test_a_frozen_redis_costs_a_short_timeout_and_leaves_no_stale_answer(
        self, client, provider, patient, redis_server, prefix
    ):
        assert f"{DAY}T10:00" in await starts(client, patient, provider)  # now cached
        redis_server.pause()  # Redis keeps its data but stops answering
        try:
            made = await reserve(client, patient, provider, "10:00")
            assert made.status_code == 200  # its invalidation could not reach Redis
            assert f"{DAY}T10:00" not in await starts(client, patient, provider)
        finally:
            redis_server.resume()
        offered = await _until_cached(client, patient, provider, redis_server.url, prefix)
        assert f"{DAY}T10:00" not in offered
        assert f"{DAY}T10:00" not in await starts(client, patient, provider)  # from the cache


async def test_invalidations_missed_during_an_outage_disown_older_entries(prefix):
    with private_redis() as server:
        cache = SlotCache(RedisStore(server.url, prefix=prefix, ttl=60), retry_after=0.05)
        try:
            snapshot = await cache.read(7, [MONDAY], NOW)
            await cache.store(snapshot, {MONDAY: _day(9, 10)})
            server.pause()  # Redis keeps the entry but stops answering
            assert (await cache.read(7, [MONDAY], NOW)).versions is None  # times out
            await cache.invalidate(frozenset({CalendarDay(7, MONDAY)}))  # skipped: not sent
            server.resume()
            await eventually(lambda: cache.reachable)  # no request needed to get there
            after = await cache.read(7, [MONDAY], NOW)
            assert after.versions is not None
            assert after.days == {}  # the entry from before the outage is not trusted
        finally:
            await cache.close()


async def test_an_invalidation_on_a_dead_connection_is_sent_again_on_a_new_one(prefix):
    with private_redis() as server:
        writer = SlotCache(RedisStore(server.url, prefix=prefix, ttl=60))
        reader = SlotCache(RedisStore(server.url, prefix=prefix, ttl=60))
        try:
            await writer.read(7, [MONDAY], NOW)  # the writer now has a pooled connection
            server.stop()
            server.start()  # empty, on the same port
            snapshot = await reader.read(7, [MONDAY], NOW)
            await reader.store(snapshot, {MONDAY: _day(9, 10)})  # another instance caches
            await writer.invalidate(frozenset({CalendarDay(7, MONDAY)}))
            assert writer.reachable
            assert (await reader.read(7, [MONDAY], NOW)).days == {}
        finally:
            await writer.close()
            await reader.close()
