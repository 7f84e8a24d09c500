"""Guessing and hoarding cost something: rate limits per address and per account (shared
by every instance through Redis), and a cap on one patient's unconfirmed holds."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager

from slotbook.accounts import users
from slotbook.app import create_app
from slotbook.settings import Settings
from tests.support.accounts import PASSWORD, sign_up
from tests.support.databases import REDIS_TEST_URL
from tests.support.redis import delete_prefixed, require_redis
from tests.support.web import serving

ATTACKER, FRIEND = "203.0.113.66", "198.51.100.7"


@asynccontextmanager
async def instance(settings: Settings, clock) -> AsyncIterator:
    """One app instance; `client(address)` gives a client seen as coming from there."""
    async with (
        LifespanManager(create_app(settings, clock=clock)) as manager,
        AsyncExitStack() as stack,
    ):

        async def client(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=manager.app, client=(address, 40000))
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://slotbook.test")
            )

        yield client


def sign_in_form(password: str, email: str = "patient@example.com") -> dict[str, str]:
    return {"username": email, "password": password}


async def test_sixty_wrong_passwords_are_429_and_the_owner_still_signs_in_elsewhere(
    settings, clock
):
    async with instance(settings, clock) as client:
        attacker, friend = await client(ATTACKER), await client(FRIEND)
        await sign_up(friend, "patient")
        answers = [
            await attacker.post("/token", data=sign_in_form(f"guess {n}")) for n in range(60)
        ]
        statuses = [a.status_code for a in answers]
        assert statuses[:20] == [401] * 20  # the default: 20 failures per 10 minutes
        assert set(statuses[20:]) == {429}
        refused = answers[-1]
        assert refused.json() == {
            "detail": refused.json()["detail"],
            "code": "rate_limited",
        }  # surface 004's shape
        assert refused.json()["detail"].startswith("Too many failed sign-ins from your address")
        assert 1 <= int(refused.headers["Retry-After"]) <= 600
        # even the right password is refused from the attacker's address for now ...
        assert (await attacker.post("/token", data=sign_in_form(PASSWORD))).status_code == 429
        # ... but the account's owner, elsewhere, signs in
        assert (await friend.post("/token", data=sign_in_form(PASSWORD))).status_code == 200


async def test_failed_sign_ins_are_also_counted_per_account(settings, clock):
    tight = settings.model_copy(update={"rate_limit_sign_in_failures_per_account": "5/hour"})
    async with instance(tight, clock) as client:
        await sign_up(await client(FRIEND), "patient")
        for n in range(5):
            wrong = await (await client(f"192.0.2.{n}")).post("/token", data=sign_in_form("no"))
            assert wrong.status_code == 401
        refused = await (await client("192.0.2.99")).post("/token", data=sign_in_form(PASSWORD))
        assert refused.status_code == 429
        assert refused.json()["detail"].startswith("Too many failed sign-ins for this account")


async def test_registrations_are_limited_per_address(settings, clock):
    tight = settings.model_copy(update={"rate_limit_registrations_per_address": "3/hour"})
    async with instance(tight, clock) as client:
        http = await client(ATTACKER)
        for n in range(3):
            body = {"name": "x", "email": f"x{n}@x.org", "password": PASSWORD, "role": "patient"}
            assert (await http.post("/register", json=body)).status_code == 200
        body = {"name": "x", "email": "x9@x.org", "password": PASSWORD, "role": "patient"}
        refused = await http.post("/register", json=body)
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        other = await (await client(FRIEND)).post("/register", json=body)
        assert other.status_code == 200


async def test_guessing_manage_tokens_is_limited_per_address(settings, clock):
    async with instance(settings, clock) as client:
        http = await client(ATTACKER)
        statuses = [
            (await http.get(f"/api/v1/bookings/{uuid.uuid4().hex}")).status_code for _ in range(61)
        ]
        assert statuses[:60] == [404] * 60 and statuses[60] == 429
        assert (await http.delete("/api/v1/bookings/guess")).status_code == 429
        assert (await (await client(FRIEND)).get("/api/v1/bookings/guess")).status_code == 404


async def test_booking_attempts_are_limited_per_address_on_every_surface(settings, clock):
    tight = settings.model_copy(update={"rate_limit_bookings_per_address": "4/minute"})
    async with instance(tight, clock) as client:
        http = await client(ATTACKER)
        created = await http.post("/api/v1/providers", json={"name": "P", "email": "p@x.org"})
        provider_id = created.json()["id"]
        for hour in ("10:00", "11:00", "12:00", "13:00"):
            body = {"provider_id": provider_id, "date": "2031-01-20", "time": hour}
            assert (await http.post("/api/v1/bookings", json=body)).status_code == 201
        body = {"provider_id": provider_id, "date": "2031-01-20", "time": "14:00"}
        refused = await http.post("/api/v1/bookings", json=body)
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited" and "error" in refused.json()
        owner = {"calendar_owner_id": "a", "start_time": "09:00", "end_time": "17:00"}
        assert (await http.post("/api/v1/availability", json=owner)).status_code == 200
        appointment = {
            "calendar_owner_id": "a",
            "invitee_name": "I",
            "invitee_email": "i@x.org",
            "date": "2031-01-20",
            "slot_start_time": "10:00",
        }
        refused = await http.post("/api/v1/appointments", json=appointment)
        assert refused.status_code == 429 and "detail" in refused.json()
        friend = await client(FRIEND)
        assert (await friend.post("/api/v1/appointments", json=appointment)).status_code == 200


async def test_the_board_answers_a_refused_booking_instead_of_booking(settings, clock):
    tight = settings.model_copy(update={"rate_limit_bookings_per_address": "1/minute"})
    async with serving(create_app(tight, clock=clock)) as base:
        from tests.support.live import LiveServer

        server = LiveServer(base, None)
        async with server.board() as board:
            await board.receive()
            update = await board.ask({"type": "book_slot", "slot_id": 9})
            assert update["type"] == "slots_update"
            assert (await board.receive())["success"] is True
            refused = await board.ask({"type": "book_slot", "slot_id": 10})
            assert refused["type"] == "booking_response" and refused["success"] is False
            assert refused["message"].startswith("Too many booking attempts from your address")


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(settings, clock):
    tight = settings.model_copy(update={"rate_limit_registrations_per_address": "1/hour"})
    proxied = tight.model_copy(update={"trusted_proxies": "10.0.0.0/8"})

    async def register(http: httpx.AsyncClient, n: int, forwarded_for: str) -> int:
        body = {"name": "x", "email": f"f{n}@x.org", "password": PASSWORD, "role": "patient"}
        headers = {"X-Forwarded-For": forwarded_for}
        return (await http.post("/register", json=body, headers=headers)).status_code

    async with instance(tight, clock) as client:
        direct = await client(ATTACKER)  # not a proxy: its X-Forwarded-For is ignored
        assert await register(direct, 1, "192.0.2.1") == 200
        assert await register(direct, 2, "192.0.2.2") == 429
    async with instance(proxied, clock) as client:
        proxy = await client("10.1.2.3")
        assert await register(proxy, 3, "192.0.2.1") == 200
        assert await register(proxy, 4, "192.0.2.2, 10.9.9.9") == 200  # a second proxy hop
        assert await register(proxy, 5, "6.6.6.6, 192.0.2.1") == 429  # the client is .1 again


@pytest.mark.services
async def test_two_instances_share_the_limits_through_redis(settings, clock):
    prefix = f"test-limits-{uuid.uuid4().hex}:"
    shared = settings.model_copy(
        update={"redis_url": require_redis(REDIS_TEST_URL), "cache_key_prefix": prefix}
    )
    try:
        async with instance(shared, clock) as first, instance(shared, clock) as second:
            await sign_up(await first(FRIEND), "patient")
            on_first, on_second = await first(ATTACKER), await second(ATTACKER)
            for n in range(10):
                assert (
                    await on_first.post("/token", data=sign_in_form(f"a{n}"))
                ).status_code == 401
            for n in range(10):
                assert (
                    await on_second.post("/token", data=sign_in_form(f"b{n}"))
                ).status_code == 401
            refused = await on_first.post("/token", data=sign_in_form("c"))
            assert refused.status_code == 429
            assert (await on_second.post("/token", data=sign_in_form("d"))).status_code == 429
    finally:
        delete_prefixed(REDIS_TEST_URL, prefix)


async def test_limits_are_not_enforced_while_redis_is_unreachable(settings, clock):
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    async with instance(down, clock) as client:
        http = await client(ATTACKER)
        await sign_up(http, "patient")
        for n in range(25):
            assert (await http.post("/token", data=sign_in_form(f"x{n}"))).status_code == 401


async def test_a_patient_holds_at_most_the_configured_number_of_reservations(client):
    provider = await sign_up(client, "provider")
    patient = await sign_up(client, "patient")
    week = {"general_schedule": {"times": [{"days": "M-Su", "start": "9am", "end": "5pm"}]}}
    answer = await client.post(
        f"/providers/{provider.id}/availability", json=week, headers=provider.headers
    )
    assert answer.status_code == 200

    async def reserve(hour: str) -> httpx.Response:
        return await client.post(
            "/appointments/reserve",
            json={"provider_id": provider.id, "start_time": f"2031-01-20T{hour}:00+00:00"},
            headers=patient.headers,
        )

    held = [await reserve(hour) for hour in ("09:00", "10:00", "11:00")]
    assert [a.status_code for a in held] == [200, 200, 200]
    refused = await reserve("12:00")
    assert refused.status_code == 409
    assert refused.json()["code"] == "hold_limit"
    assert "at most 3 unconfirmed reservations" in refused.json()["detail"]
    # confirming one frees a place for another hold
    confirmed = await client.post(
        "/appointments/confirm",
        json={"slot_id": held[0].json()["slot_id"]},
        headers=patient.headers,
    )
    assert confirmed.status_code == 200
    assert (await reserve("12:00")).status_code == 200


async def test_argon2_work_is_capped_per_process(settings, clock):
    """With one hash at a time allowed, concurrent sign-ups never hash concurrently."""
    capped = settings.model_copy(update={"max_concurrent_password_hashes": 1})
    hasher = users._hasher_for(capped)
    running, most = 0, 0
    original = hasher.hash

    def counting_hash(password: str) -> str:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            return original(password)
        finally:
            running -= 1

    hasher.hash = counting_hash  # type: ignore[method-assign]
    try:
        async with instance(capped, clock) as client:
            http = await client(FRIEND)
            bodies = [
                {"name": "x", "email": f"c{n}@x.org", "password": PASSWORD, "role": "patient"}
                for n in range(8)
            ]
            answers = await asyncio.gather(*(http.post("/register", json=b) for b in bodies))
            assert [a.status_code for a in answers] == [200] * 8
    finally:
        hasher.hash = original  # type: ignore[method-assign]
    assert most == 1
