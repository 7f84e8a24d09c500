"""The waitlist under real concurrency: two `slotbook serve` processes on one database
(SQLite and PostgreSQL), a full slot with five waiting, and thirty cancels and direct
bookings at once. Every freed seat goes to the next waiter in line, none to a direct
booker while anyone waits, no waiter is offered twice, the slot never overfills.

The servers run on the real clock, so the event is a month after the real today (no
offer runs out during the test). A taken time on a provider's calendar too: its cancel
racing direct bookings of it goes to its first waiter, every direct booking refused.
"""

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from slotbook.store.tables import bookings, outbox_events, slots, waitlist_entries
from tests.conftest import BACKENDS
from tests.support.servers import running_servers
from tests.test_concurrency_events import make_event
from tests.test_concurrency_rules import provider, race, rows

CAPACITY = 15
WAITERS = 5
CANCELS = 10
BOOKERS = 20  # CANCELS + BOOKERS = 30 requests at once


@pytest.fixture(scope="module", params=BACKENDS)
def servers(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[str]]]:
    url = request.getfixturevalue(f"{request.param}_url")
    with running_servers(url, 2) as urls:
        yield url, urls


async def post(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_thirty_cancels_and_bookings_at_once_serve_the_waitlist_first_in_order(servers):
    database_url, urls = servers
    (slot_id,) = await make_event(urls[0], CAPACITY)
    tokens = [
        (
            await post(
                urls[n % 2], "/api/v1/bookings", {"attendee_name": f"b{n}", "time_slot_id": slot_id}
            )
        )["booking_token"]
        for n in range(CAPACITY)
    ]
    waiters = [
        await post(
            urls[n % 2],
            "/api/v1/waitlist",
            {"time_slot_id": slot_id, "name": f"w{n}", "email": f"w{n}@x.io"},
        )
        for n in range(WAITERS)
    ]
    assert [w["position"] for w in waiters] == list(range(1, WAITERS + 1))

    cancels = [("DELETE", f"/api/v1/bookings/{t}", None) for t in tokens[:CANCELS]]
    books = [
        ("POST", "/api/v1/bookings", {"attendee_name": f"d{n}", "time_slot_id": slot_id})
        for n in range(BOOKERS)
    ]
    mixed = [r for pair in zip(cancels, books[:CANCELS], strict=True) for r in pair]
    answers = await race(urls, mixed + books[CANCELS:])
    statuses = Counter(a.status_code for a in answers)
    assert statuses[204] == CANCELS, [a.text for a in answers if a.status_code >= 500]
    direct_wins = statuses[201]
    assert statuses[409] == BOOKERS - direct_wins
    assert set(statuses) <= {201, 204, 409}
    assert direct_wins <= CANCELS - WAITERS

    # each waiter was offered exactly one hold, in line order, before any direct booker won
    entries = await rows(
        database_url,
        select(waitlist_entries.c.id, waitlist_entries.c.status, waitlist_entries.c.booking_id)
        .where(waitlist_entries.c.slot_id == slot_id)
        .order_by(waitlist_entries.c.id),
    )
    assert [e.status for e in entries] == ["offered"] * WAITERS
    holds = [e.booking_id for e in entries]
    assert holds == sorted(holds) and len(set(holds)) == WAITERS
    offered = await rows(
        database_url,
        select(outbox_events.c.booking_id)
        .where(outbox_events.c.type == "waitlist.offered")
        .order_by(outbox_events.c.id),
    )
    assert [o.booking_id for o in offered] == holds  # once each, in line order
    on_slot = await rows(
        database_url,
        select(bookings.c.id, bookings.c.status, bookings.c.source, bookings.c.seats).where(
            bookings.c.slot_id == slot_id
        ),
    )
    won = [b.id for b in on_slot if b.status == "confirmed" and b.id > max(holds)]
    assert len(won) == direct_wins  # every direct win came after the last offer
    assert all(b.source == "waitlist" for b in on_slot if b.id in holds)
    assert all(b.status == "held" for b in on_slot if b.id in holds)

    # never overfilled: the counter is exactly the seats of the active bookings
    (taken,) = await rows(database_url, select(slots.c.taken).where(slots.c.id == slot_id))
    active = sum(b.seats for b in on_slot if b.status in ("held", "confirmed"))
    assert taken.taken == active == CAPACITY - CANCELS + WAITERS + direct_wins <= CAPACITY

    # with nobody left waiting, the seats still free are simply free, and no more
    free = CAPACITY - taken.taken
    async with httpx.AsyncClient(base_url=urls[0], timeout=30) as http:
        late = [
            await http.post(
                "/api/v1/bookings", json={"attendee_name": f"l{n}", "time_slot_id": slot_id}
            )
            for n in range(free + 1)
        ]
    assert [r.status_code for r in late] == [201] * free + [409]

    # the line is served: the first waiter accepts, and the place is theirs
    async with httpx.AsyncClient(base_url=urls[1], timeout=30) as http:
        accepted = await http.post(f"/api/v1/waitlist/{waiters[0]['token']}/accept")
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["id"] == holds[0]


async def test_a_cancelled_time_goes_to_its_first_waiter_not_to_racing_bookers(servers):
    database_url, urls = servers
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    provider_id = await provider(urls[0], f"waited-{uuid.uuid4().hex[:8]}")
    booked = await post(
        urls[0], "/api/v1/bookings", {"provider_id": provider_id, "date": day, "time": "10:00"}
    )
    start_at = f"{day}T10:00:00+00:00"
    waiters = [
        await post(
            urls[n % 2],
            "/api/v1/waitlist",
            {
                "calendar_id": provider_id,
                "start_at": start_at,
                "name": f"w{n}",
                "email": f"w{n}@x.io",
            },
        )
        for n in range(3)
    ]
    direct = {"provider_id": provider_id, "date": day, "time": "10:00"}
    requests = [("DELETE", f"/api/v1/bookings/{booked['booking_token']}", None)]
    requests += [("POST", "/api/v1/bookings", direct)] * BOOKERS
    answers = await race(urls, requests)
    assert answers[0].status_code == 204
    assert {a.status_code for a in answers[1:]} == {409}, [a.text for a in answers[1:]]
    claims = await rows(
        database_url,
        select(bookings.c.status, bookings.c.source).where(
            bookings.c.calendar_id == provider_id, bookings.c.status.in_(("held", "confirmed"))
        ),
    )
    assert [(c.status, c.source) for c in claims] == [("held", "waitlist")]
    async with httpx.AsyncClient(timeout=30) as http:
        shown = [
            (await http.get(f"{urls[1]}/api/v1/waitlist/{w['token']}")).json() for w in waiters
        ]
    assert [(e["status"], e["position"]) for e in shown] == [
        ("offered", None),
        ("waiting", 1),
        ("waiting", 2),
    ]
