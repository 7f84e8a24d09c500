"""A database that drops connections, stalls, or runs out of them: a real server process
answers 503 with Retry-After in the surface's error shape, never a 500 or a hang, and
serves again as soon as the database does."""

import asyncio
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from tests.support.accounts import FAST_HASHING
from tests.support.databases import POSTGRES_ADMIN_URL
from tests.support.live import PATIENCE
from tests.support.proxy import stalling_proxy
from tests.support.servers import running_servers

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"])]

TIMEOUT = 1.0  # the server's connect, statement and pool timeouts in these tests (seconds)
QUIET = {"SLOTBOOK_SWEEP_INTERVAL_SECONDS": "3600"}  # no background unit takes a connection


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


async def admin() -> asyncpg.Connection:
    return await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=PATIENCE)


async def terminate_backends(database: str) -> int:
    """Kill every server-side connection to `database` (as a restart or reaper would)."""
    conn = await admin()
    try:
        return await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await conn.close()


def assert_unavailable(answer: httpx.Response) -> None:
    """A 503 a client can act on: JSON in the surface's shape, and when to retry."""
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.json()["code"] == "unavailable"


def new_provider() -> dict[str, str]:
    return {"name": "Dr Who", "email": f"{uuid.uuid4().hex[:10]}@example.com"}


async def test_killed_pooled_connections_are_replaced_without_a_failed_request(database_url):
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    with running_servers(database_url, 1, env=QUIET) as (base,):
        async with httpx.AsyncClient(base_url=base, timeout=PATIENCE) as http:
            provider = (await http.post("/api/v1/providers", json=new_provider())).json()
            await asyncio.gather(*(http.get("/api/v1/providers") for _ in range(10)))  # pool
            assert await terminate_backends(database_name(database_url)) >= 2

            reads = [http.get(f"/api/v1/providers/{provider['id']}") for _ in range(6)]
            writes = [
                http.post(
                    "/api/v1/bookings",
                    json={"provider_id": provider["id"], "date": day, "time": f"{9 + n:02d}:00"},
                )
                for n in range(4)
            ]
            answers = await asyncio.gather(*reads, *writes)
            assert [a.status_code for a in answers] == [200] * 6 + [201] * 4, [
                a.text for a in answers
            ]
            listed = await http.get("/api/v1/bookings", params={"provider_id": provider["id"]})
            assert len(listed.json()) == 4  # each booking made once


async def test_requests_by_a_token_rerun_their_unit_after_a_killed_connection(database_url):
    """Every request's unit of work runs once more on a fresh connection, not only those of
    the booking paths: managing a booking or a series by its token, a booking's iCalendar
    file, a webhook list (each asked right after every pooled connection was killed)."""
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    with running_servers(database_url, 1, env=QUIET | FAST_HASHING) as (base,):
        async with httpx.AsyncClient(base_url=base, timeout=PATIENCE) as http:
            provider = (await http.post("/api/v1/providers", json=new_provider())).json()
            made = await http.post(
                "/api/v1/bookings",
                json={"provider_id": provider["id"], "date": day.isoformat(), "time": "09:00"},
            )
            token = made.json()["booking_token"]
            series = await http.post(
                f"/api/v1/calendars/{provider['id']}/series",
                json={
                    "start": f"{day.isoformat()}T12:00",
                    "rrule": "FREQ=DAILY;COUNT=2",
                    "name": "Bob",
                    "email": "bob@example.com",
                },
            )
            assert series.status_code == 201, series.text
            patient = await http.post(
                "/register",
                json={
                    "name": "P",
                    "email": "p@example.com",
                    "password": "password-1",
                    "role": "patient",
                },
            )
            assert patient.status_code == 200, patient.text
            signed_in = await http.post(
                "/token", data={"username": "p@example.com", "password": "password-1"}
            )
            bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
            requests = [
                ("GET", f"/api/v1/bookings/{token}", {}),
                ("GET", f"/api/v1/bookings/{token}/calendar.ics", {}),
                ("PUT", f"/api/v1/bookings/{token}", {"json": {"new_time": "10:00"}}),
                ("GET", f"/api/v1/series/{series.json()['token']}", {}),
                ("GET", "/api/v1/webhooks", {"headers": bearer}),
                ("DELETE", f"/api/v1/bookings/{token}", {}),
                ("DELETE", f"/api/v1/series/{series.json()['token']}", {}),
            ]
            for method, path, options in requests:
                assert await terminate_backends(database_name(database_url)) >= 1
                answer = await http.request(method, path, **options)
                assert answer.status_code < 300, (method, path, answer.status_code, answer.text)


async def timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    start = time.monotonic()
    answer = await request
    return answer, time.monotonic() - start


async def test_a_stalled_database_is_a_503_within_the_timeouts_and_health_agrees(database_url):
    target = urlsplit(database_url)
    assert target.hostname is not None and target.port is not None
    timeouts = {
        f"SLOTBOOK_DB_{name}_TIMEOUT_SECONDS": str(TIMEOUT)
        for name in ("CONNECT", "STATEMENT", "POOL")
    }
    env = QUIET | timeouts | {"SLOTBOOK_DB_POOL_SIZE": "2"}
    with stalling_proxy(target.hostname, target.port) as proxy:
        through_proxy = database_url.replace(f":{target.port}/", f":{proxy.port}/")
        with running_servers(through_proxy, 1, env=env) as (base,):
            # A hang would end at the client's own timeout, well past 10x the server's.
            async with httpx.AsyncClient(base_url=base, timeout=20 * TIMEOUT) as http:
                assert (await http.get("/api/v1/providers")).status_code == 200
                proxy.stall()
                reads = [timed(http.get("/api/v1/providers")) for _ in range(8)]  # > the pool
                writes = [timed(http.post("/api/v1/providers", json=new_provider()))]
                *answers, (health, _) = await asyncio.gather(
                    *reads, *writes, timed(http.get("/health"))
                )
                for answer, took in answers:
                    assert_unavailable(answer)
                    assert took < 10 * 2 * TIMEOUT  # at most a pool wait, then a statement
                assert health.status_code == 503
                assert health.json()["failed"] == ["database"]

                proxy.resume()
                assert (await http.get("/api/v1/providers")).status_code == 200
                assert (await http.get("/health")).json()["status"] == "healthy"


async def waiting_on_locks(database: str, conn: asyncpg.Connection) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
        database,
    )


async def test_more_requests_than_the_pool_are_503_with_retry_after(database_url):
    env = QUIET | {"SLOTBOOK_DB_POOL_SIZE": "1", "SLOTBOOK_DB_POOL_TIMEOUT_SECONDS": "0.5"}
    database = database_name(database_url)
    with running_servers(database_url, 1, env=env) as (base,):
        async with httpx.AsyncClient(base_url=base, timeout=PATIENCE) as http:
            assert (await http.get("/api/v1/providers")).status_code == 200
            locker = await asyncpg.connect(database_url.replace("+asyncpg", ""), timeout=5)
            watcher = await admin()
            try:
                holding = locker.transaction()
                await holding.start()
                await locker.execute("LOCK TABLE calendars IN ACCESS EXCLUSIVE MODE")
                requests = [asyncio.create_task(http.get("/api/v1/providers")) for _ in range(6)]
                async with asyncio.timeout(PATIENCE):
                    # The pool's two connections wait on the lock; the other four requests
                    # find no connection within the pool timeout.
                    done: set[asyncio.Task[httpx.Response]] = set()
                    while len(done) < 4 or await waiting_on_locks(database, watcher) < 2:
                        finished, _ = await asyncio.wait(requests, timeout=0.05)
                        done = set(finished)
                for task in done:
                    assert_unavailable(task.result())
                await holding.rollback()
                answers = await asyncio.gather(*(t for t in requests if t not in done))
                assert [a.status_code for a in answers] == [200, 200]
            finally:
                await locker.close()
                await watcher.close()
