"""No double booking under real concurrency: 2 server processes, one database, 60 requests.

Runs on PostgreSQL (exclusion constraint) and on one SQLite file shared by both
processes (BEGIN IMMEDIATE). Server processes use the real clock, so the booked day is
computed from the real date.
"""

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from slotbook.store.tables import bookings
from tests.support.servers import running_servers

REQUESTS = 60
DAY = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()


@pytest.fixture
def servers(database_url: str) -> Iterator[list[str]]:
    with running_servers(database_url, count=2) as urls:
        yield urls


async def active_bookings(database_url: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            query = select(func.count()).where(bookings.c.status.in_(("held", "confirmed")))
            return (await conn.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def fire(urls: list[str], path: str, bodies: list[dict]) -> Counter[int]:
    """POST every body at once, alternating between the servers; count status codes."""
    limits = httpx.Limits(max_connections=REQUESTS, max_keepalive_connections=REQUESTS)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        responses = await asyncio.gather(
            *(http.post(urls[i % len(urls)] + path, json=body) for i, body in enumerate(bodies))
        )
    return Counter(r.status_code for r in responses)


async def test_sixty_simultaneous_001_bookings_of_one_slot_make_exactly_one(servers, database_url):
    async with httpx.AsyncClient() as http:
        setup = await http.post(
            f"{servers[0]}/api/v1/availability",
            json={"calendar_owner_id": "race", "start_time": "09:00", "end_time": "17:00"},
        )
        assert setup.status_code == 200
    bodies = [
        {
            "calendar_owner_id": "race",
            "invitee_name": f"Guest {i}",
            "invitee_email": f"guest{i}@example.com",
            "date": DAY,
            "slot_start_time": "10:00",
        }
        for i in range(REQUESTS)
    ]
    counts = await fire(servers, "/api/v1/appointments", bodies)
    assert counts == {200: 1, 409: REQUESTS - 1}
    assert await active_bookings(database_url) == 1


async def test_sixty_simultaneous_overlapping_provider_bookings_make_exactly_one(
    servers, database_url
):
    async with httpx.AsyncClient() as http:
        provider = await http.post(
            f"{servers[1]}/api/v1/providers", json={"name": "Race", "email": "race@example.com"}
        )
        provider_id = provider.json()["id"]
    bodies = [
        {"provider_id": provider_id, "date": DAY, "time": "14:00" if i % 4 < 2 else "14:30"}
        for i in range(REQUESTS)
    ]
    counts = await fire(servers, "/api/v1/bookings", bodies)
    assert counts == {201: 1, 409: REQUESTS - 1}
    assert await active_bookings(database_url) == 1


async def test_a_tiny_pool_serves_one_statement_bookings_units_and_reads_at_once(database_url):
    """Connections that ran a booking's one statement or a read stay parked for the next;
    with a pool of two connections per process, bookings made in one statement,
    bookings made in a unit of work (an `Idempotency-Key`), reads, and a race for one
    slot, all at once on two processes: nobody waits out the pool (no 503), every free
    time is booked, and the contested one exactly once."""
    env = {"SLOTBOOK_DB_POOL_SIZE": "1", "SLOTBOOK_DB_POOL_TIMEOUT_SECONDS": "5"}
    first_day = datetime.fromisoformat(DAY).date()
    with running_servers(database_url, count=2, env=env) as urls:
        async with httpx.AsyncClient(timeout=60) as http:
            made = await http.post(
                f"{urls[0]}/api/v1/providers", json={"name": "Tiny", "email": "tiny@example.com"}
            )
            provider_id = made.json()["id"]
            first = {"provider_id": provider_id, "date": DAY, "time": "08:00"}
            assert (await http.post(f"{urls[1]}/api/v1/bookings", json=first)).status_code == 201

            def booking(n: int) -> tuple[str, httpx.Request]:
                """("contested" or "free", the request) of the n-th booking."""
                if n % 3 == 0:
                    kind, day, hour = "contested", first_day, "18:00"
                else:
                    kind, day, hour = "free", first_day + timedelta(days=1 + n // 8), 9 + n % 8
                    hour = f"{hour:02d}:00"
                body = {"provider_id": provider_id, "date": day.isoformat(), "time": hour}
                headers = {"Idempotency-Key": f"tiny-{n}"} if n % 5 == 0 else {}
                url = f"{urls[n % 2]}/api/v1/bookings"
                return kind, http.build_request("POST", url, json=body, headers=headers)

            def read(n: int) -> tuple[str, httpx.Request]:
                url = f"{urls[n % 2]}/api/v1/providers/{provider_id}"
                return "read", http.build_request("GET", url)

            requests = [booking(n) if n % 4 else read(n) for n in range(REQUESTS)]
            answers = await asyncio.gather(*(http.send(r) for _, r in requests))
    by_kind: dict[str, Counter[int]] = {}
    for (kind, _), answer in zip(requests, answers, strict=True):
        by_kind.setdefault(kind, Counter())[answer.status_code] += 1
    contested = sum(kind == "contested" for kind, _ in requests)
    free = sum(kind == "free" for kind, _ in requests)
    reads = sum(kind == "read" for kind, _ in requests)
    assert by_kind == {
        "contested": Counter({201: 1, 409: contested - 1}),
        "free": Counter({201: free}),
        "read": Counter({200: reads}),
    }, [a.text for a in answers if a.status_code >= 500]
    assert await active_bookings(database_url) == 1 + 1 + free
