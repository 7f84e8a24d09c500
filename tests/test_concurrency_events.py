"""Seats under real concurrency: two `slotbook serve` processes on one database, on
SQLite and on PostgreSQL, hit by simultaneous bookings and moves.

The servers run on the real clock, so events are made 30 days after the real today.
"""

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from slotbook.store.tables import bookings, slots
from tests.conftest import BACKENDS
from tests.support.events import event_body
from tests.support.servers import running_servers

CAPACITY = 10
CONTENDERS = 40


@pytest.fixture(scope="module", params=BACKENDS)
def servers(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[str]]]:
    """(database URL, two server base URLs) on one migrated database of each backend."""
    url = request.getfixturevalue(f"{request.param}_url")
    with running_servers(url, 2) as urls:
        yield url, urls


async def make_event(base_url: str, *capacities: int) -> list[int]:
    """An event a month from the real today; its slot ids, one per capacity."""
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    body = event_body(
        *((f"{9 + n:02d}:00", f"{10 + n:02d}:00", c) for n, c in enumerate(capacities)),
        event_date=day,
    )
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post("/api/v1/events", json=body)
    assert response.status_code == 201, response.text
    return [s["id"] for s in response.json()["time_slots"]]


async def seats_in_db(database_url: str, slot_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per slot, straight from the database: (slots.taken, confirmed bookings on it)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            taken_rows = await conn.execute(
                select(slots.c.id, slots.c.taken).where(slots.c.id.in_(slot_ids))
            )
            taken = {slot_id: n for slot_id, n in taken_rows}
            active_rows = await conn.execute(
                select(bookings.c.slot_id, func.count())
                .where(bookings.c.slot_id.in_(slot_ids), bookings.c.status == "confirmed")
                .group_by(bookings.c.slot_id)
            )
            active = {slot_id: n for slot_id, n in active_rows}
    finally:
        await engine.dispose()
    return {s: (taken[s], active.get(s, 0)) for s in slot_ids}


async def test_forty_simultaneous_bookings_of_ten_seats_make_exactly_ten(servers):
    database_url, urls = servers
    (slot_id,) = await make_event(urls[0], CAPACITY)
    clients = [httpx.AsyncClient(base_url=u, timeout=60) for u in urls]
    try:
        responses = await asyncio.gather(
            *(
                clients[n % len(clients)].post(
                    "/api/v1/bookings",
                    json={"attendee_name": f"guest {n}", "time_slot_id": slot_id},
                )
                for n in range(CONTENDERS)
            )
        )
    finally:
        for client in clients:
            await client.aclose()
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: CAPACITY, 409: CONTENDERS - CAPACITY}
    assert {r.json()["detail"] for r in responses if r.status_code == 409} == {"Time slot is full"}
    assert len({r.json()["booking_token"] for r in responses if r.status_code == 201}) == CAPACITY
    assert await seats_in_db(database_url, [slot_id]) == {slot_id: (CAPACITY, CAPACITY)}


async def test_simultaneous_opposite_moves_never_overfill_nor_lose_a_booking(servers):
    database_url, urls = servers
    first, second = await make_event(urls[0], CAPACITY, CAPACITY)
    clients = [httpx.AsyncClient(base_url=u, timeout=60) for u in urls]
    try:
        where: dict[str, int] = {}  # token -> slot it is in
        for n in range(2 * (CAPACITY - 1)):  # both slots one seat short of full
            slot_id = (first, second)[n % 2]
            made = await clients[0].post(
                "/api/v1/bookings", json={"attendee_name": f"guest {n}", "time_slot_id": slot_id}
            )
            assert made.status_code == 201
            where[made.json()["booking_token"]] = slot_id
        for _ in range(3):  # every booking tries to swap sides, all at once; three rounds
            tokens = list(where)
            responses = await asyncio.gather(
                *(
                    clients[n % len(clients)].put(
                        f"/api/v1/bookings/{token}",
                        json={"new_time_slot_id": second if where[token] == first else first},
                    )
                    for n, token in enumerate(tokens)
                )
            )
            assert {r.status_code for r in responses} <= {200, 409}, [r.text for r in responses]
            assert any(r.status_code == 200 for r in responses)
            for token, response in zip(tokens, responses, strict=True):
                if response.status_code == 200:
                    where[token] = response.json()["time_slot_id"]
            seats = await seats_in_db(database_url, [first, second])
            assert all(taken == active <= CAPACITY for taken, active in seats.values()), seats
            assert seats == {s: (n, n) for s, n in Counter(where.values()).items()}
        for token, slot_id in where.items():
            shown = await clients[1].get(f"/api/v1/bookings/{token}")
            assert (shown.json()["status"], shown.json()["time_slot_id"]) == ("confirmed", slot_id)
    finally:
        for client in clients:
            await client.aclose()
