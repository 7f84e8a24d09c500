"""Booking rules under real concurrency: two `slotbook serve` processes on one database,
on SQLite and on PostgreSQL, hit by simultaneous requests that a rule must split.

The servers run on the real clock, so every day used is 30 days after the real today.
"""

import asyncio
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from slotbook.store.tables import booking_counts, bookings, slots
from tests.conftest import BACKENDS
from tests.support.events import event_body
from tests.support.servers import running_servers

DAY = (datetime.now(UTC) + timedelta(days=30)).date()
ACTIVE = ("held", "confirmed", "pending")


@pytest.fixture(scope="module", params=BACKENDS)
def servers(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[str]]]:
    """(database URL, two server base URLs) on one migrated database of each backend."""
    url = request.getfixturevalue(f"{request.param}_url")
    with running_servers(url, 2) as urls:
        yield url, urls


async def race(urls: list[str], requests: list[tuple[str, str, dict[str, Any] | None]]):
    """Send every (method, path, body) at once, alternating between the servers."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        return await asyncio.gather(
            *(
                http.request(method, urls[n % len(urls)] + path, json=body)
                for n, (method, path, body) in enumerate(requests)
            )
        )


async def setup(url: str, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.request(method, path, json=body)
    assert response.is_success, response.text
    return response.json()


async def provider(url: str, name: str, **rules: object) -> int:
    """A surface 002 provider (any time of day, 60-minute bookings) with `rules`."""
    made = await setup(url, "POST", "/api/v1/providers", {"name": name, "email": f"{name}@x.io"})
    await setup(url, "PATCH", f"/api/v1/calendars/{made['id']}/settings", dict(rules))
    return int(made["id"])


async def owner(url: str, key: str, **rules: object) -> int:
    """A surface 001 owner open 00:00-23:00 UTC with `rules`; her calendar's id."""
    hours = {"calendar_owner_id": key, "start_time": "00:00", "end_time": "23:00"}
    await setup(url, "POST", "/api/v1/availability", hours)
    async with httpx.AsyncClient(base_url=url) as http:
        page = await http.get(f"/book/owner/{key}")
    calendar_id = int(page.headers["location"].rsplit("/", 1)[1])
    await setup(url, "PATCH", f"/api/v1/calendars/{calendar_id}/settings", dict(rules))
    return calendar_id


async def rows(database_url: str, query: Any) -> list[Any]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return list(await conn.execute(query))
    finally:
        await engine.dispose()


def active_on(calendar_id: int) -> Any:
    return select(bookings).where(
        bookings.c.calendar_id == calendar_id, bookings.c.status.in_(ACTIVE)
    )


def quarter_hours(first_hour: int, count: int) -> list[str]:
    return [f"{first_hour + n // 4:02d}:{15 * (n % 4):02d}" for n in range(count)]


async def test_forty_bookings_fifteen_minutes_apart_never_overlap_with_their_buffers(servers):
    database_url, urls = servers
    calendar_id = await provider(
        urls[0], "buffered", buffer_before_minutes=15, buffer_after_minutes=15
    )
    times = quarter_hours(8, 40)  # 08:00, 08:15, ... 17:45
    answers = await race(
        urls,
        [
            ("POST", "/api/v1/bookings", {"provider_id": calendar_id, "date": str(DAY), "time": t})
            for t in times
        ],
    )
    assert {a.status_code for a in answers} <= {201, 409}
    made = await rows(database_url, active_on(calendar_id))
    assert len(made) == sum(a.status_code == 201 for a in answers) >= 1
    claimed = sorted(
        (
            b.start_at - timedelta(minutes=b.buffer_before_minutes),
            b.end_at + timedelta(minutes=b.buffer_after_minutes),
        )
        for b in made
    )
    for (_, end), (start, _) in itertools.pairwise(claimed):
        assert end <= start  # 15 after + 15 before: at least 30 minutes between bookings
    # and no booking was refused that fitted between the survivors
    for answer, time in zip(answers, times, strict=True):
        if answer.status_code == 409:
            start = datetime.combine(DAY, datetime.strptime(time, "%H:%M").time(), UTC)
            mine = (start - timedelta(minutes=15), start + timedelta(minutes=75))
            assert any(mine[0] < end and start_ < mine[1] for start_, end in claimed)


async def test_fifty_racers_for_a_day_limited_to_three_make_exactly_three(servers):
    database_url, urls = servers
    calendar_id = await provider(urls[0], "daily", max_per_day=3)
    times = quarter_hours(8, 50)
    answers = await race(
        urls,
        [
            ("POST", "/api/v1/bookings", {"provider_id": calendar_id, "date": str(DAY), "time": t})
            for t in times
        ],
    )
    # overlapping times also refuse each other (60-minute bookings 15 minutes apart)
    assert sorted({a.status_code for a in answers}) == [201, 409]
    assert sum(a.status_code == 201 for a in answers) == 3
    assert any(
        a.json().get("error") == f"Daily limit of 3 bookings reached for {DAY}" for a in answers
    )
    assert len(await rows(database_url, active_on(calendar_id))) == 3
    counted = await rows(
        database_url,
        select(booking_counts.c.taken).where(
            booking_counts.c.calendar_id == calendar_id, booking_counts.c.period == "day"
        ),
    )
    assert counted == [(3,)]


async def test_twenty_racers_of_one_email_limited_to_one_a_day_make_exactly_one(servers):
    database_url, urls = servers
    await owner(urls[0], "per-booker", max_per_booker_per_day=1)
    answers = await race(
        urls,
        [
            (
                "POST",
                "/api/v1/appointments",
                {
                    "calendar_owner_id": "per-booker",
                    "invitee_name": "Bob",
                    "invitee_email": "Bob@Example.com" if n % 2 else "bob@example.com",
                    "date": str(DAY),
                    "slot_start_time": f"{n:02d}:00",
                },
            )
            for n in range(20)
        ],
    )
    assert sum(a.status_code == 200 for a in answers) == 1
    refusals = {a.json()["detail"] for a in answers if a.status_code != 200}
    assert refusals == {f"Daily limit of 1 booking per booker reached for {DAY}"}
    calendar_id = await owner(urls[0], "per-booker")  # the same calendar, rules unchanged
    assert len(await rows(database_url, active_on(calendar_id))) == 1


async def test_twenty_racers_for_three_seats_each_never_exceed_ten(servers):
    database_url, urls = servers
    event = await setup(
        urls[0], "POST", "/api/v1/events", event_body(("09:00", "10:00", 10), event_date=str(DAY))
    )
    slot_id = event["time_slots"][0]["id"]
    seats = {"time_slot_id": slot_id, "seats": 3}
    answers = await race(
        urls,
        [("POST", "/api/v1/bookings", seats | {"attendee_name": f"group {n}"}) for n in range(20)],
    )
    made = [a.json() for a in answers if a.status_code == 201]
    assert all(m["seats"] == 3 for m in made)
    assert {a.json()["detail"] for a in answers if a.status_code != 201} == {"Only 1 place left"}
    [(taken,)] = await rows(database_url, select(slots.c.taken).where(slots.c.id == slot_id))
    booked = await rows(database_url, active_on(event["id"]))
    assert taken <= 10
    assert taken == 3 * len(made) == sum(b.seats for b in booked) == 9


async def test_approve_decline_and_a_rival_booking_on_a_pending_time_have_one_outcome(servers):
    database_url, urls = servers
    calendar_id = await owner(urls[0], "approval", requires_approval=True)
    outcomes = []
    for hour in range(8, 18):  # ten rounds, each on its own pending time
        appointment = {
            "calendar_owner_id": "approval",
            "invitee_name": "Bob",
            "invitee_email": f"bob{hour}@example.com",
            "date": str(DAY),
            "slot_start_time": f"{hour:02d}:00",
        }
        pending = await setup(urls[0], "POST", "/api/v1/appointments", appointment)
        booking_id = pending["appointment_id"]
        rival = appointment | {"invitee_email": f"rival{hour}@example.com"}
        approve, decline, second = await race(
            urls,
            [
                ("POST", f"/api/v1/bookings/{booking_id}/approve", None),
                ("POST", f"/api/v1/bookings/{booking_id}/decline", None),
                ("POST", "/api/v1/appointments", rival),
            ],
        )
        assert sorted((approve.status_code, decline.status_code)) == [200, 409]
        start = datetime.combine(DAY, datetime.min.time(), UTC) + timedelta(hours=hour)
        there = await rows(database_url, active_on(calendar_id).where(bookings.c.start_at == start))
        assert len(there) <= 1  # never two active bookings
        if approve.status_code == 200:  # the pending booking stands, confirmed
            assert second.status_code == 409
            assert [(b.id, b.status) for b in there] == [(booking_id, "confirmed")]
        else:  # declined: the time was free for the rival from that moment
            assert [b.id for b in there] == (
                [second.json()["appointment_id"]] if second.status_code == 200 else []
            )
        outcomes.append("approved" if approve.status_code == 200 else "declined")
    assert len(outcomes) == 10


async def test_new_hours_set_through_one_process_apply_at_once_in_the_other(servers):
    """Each process keeps the opening hours it read, under the calendar's schedule
    version: hours replaced through the other process must apply to the very next
    listing and booking, never to a later one."""
    _, (first, second) = servers
    key = "hours-kept"
    await owner(first, key)  # open 00:00-23:00
    day = str(DAY + timedelta(days=1))
    query = {"calendar_owner_id": key, "for_date": day}

    async def book(base: str, hour: str) -> httpx.Response:
        body = {"calendar_owner_id": key, "invitee_name": "Ann", "invitee_email": "a@x.io"}
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            return await http.post(
                "/api/v1/appointments", json=body | {"date": day, "slot_start_time": hour}
            )

    async with httpx.AsyncClient(base_url=second, timeout=30) as http:
        before = (await http.get("/api/v1/slots", params=query)).json()["available_slots"]
    assert before[0] == "00:00" and "20:00" in before  # the second process read the hours
    assert (await book(second, "01:00")).status_code == 200
    hours = {"calendar_owner_id": key, "start_time": "09:00", "end_time": "12:00"}
    await setup(first, "POST", "/api/v1/availability", hours)

    async with httpx.AsyncClient(base_url=second, timeout=30) as http:
        after = (await http.get("/api/v1/slots", params=query)).json()["available_slots"]
    assert after == ["09:00", "10:00", "11:00"]
    assert (await book(second, "20:00")).status_code == 400  # outside the new hours
    assert (await book(second, "10:00")).status_code == 200
