"""The waitlist: a freed place goes to the first in line, as a hold for the calendar's
`waitlist_offer_minutes`; accepted it is their booking, left to lapse it goes to the
next. On a real server (in the test's loop, on its frozen clock), SQLite and PostgreSQL.
"""

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from slotbook.engine import Engine
from slotbook.jobs.sweeper import sweep
from slotbook.settings import Settings
from slotbook.store.db import Database
from slotbook.store.tables import outbox_events
from tests.support.clock import FrozenClock
from tests.support.events import book_seat, create_event, slot_counts
from tests.support.live import LiveServer
from tests.test_concurrency_rules import rows

DAY = "2031-01-20"  # a Monday after the clock's "now" (2031-01-15 08:00 UTC)
TEN = f"{DAY}T10:00:00+00:00"


@pytest.fixture
async def http(server: LiveServer) -> Any:
    async with server.http() as client:
        yield client


async def full_slot(http: httpx.AsyncClient, capacity: int = 1) -> tuple[int, int, list[str]]:
    """An event slot with every seat booked: (event id, slot id, the bookings' tokens)."""
    event = await create_event(http, ("09:00", "10:00", capacity))
    slot_id = event["time_slots"][0]["id"]
    tokens = []
    for n in range(capacity):
        booked = await book_seat(http, slot_id, f"Booker {n}")
        assert booked.status_code == 201, booked.text
        tokens.append(booked.json()["booking_token"])
    return event["id"], slot_id, tokens


async def taken_time(http: httpx.AsyncClient) -> tuple[int, str]:
    """A provider (calendar time, UTC) whose 10:00 on DAY is booked: (its id, the token)."""
    made = await http.post("/api/v1/providers", json={"name": "Dr Who", "email": "who@x.io"})
    assert made.status_code == 201, made.text
    provider_id = made.json()["id"]
    booked = await http.post(
        "/api/v1/bookings", json={"provider_id": provider_id, "date": DAY, "time": "10:00"}
    )
    assert booked.status_code == 201, booked.text
    return provider_id, booked.json()["booking_token"]


async def join(http: httpx.AsyncClient, place: dict[str, Any], who: str, **extra: Any) -> Any:
    body = place | {"name": who, "email": f"{who.lower()}@x.io"} | extra
    response = await http.post("/api/v1/waitlist", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def entry(http: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await http.get(f"/api/v1/waitlist/{token}")
    assert response.status_code == 200, response.text
    return response.json()


async def sweep_at(settings: Settings, clock: FrozenClock) -> int:
    engine = Engine(settings, Database(settings.database_url), clock)
    try:
        return await sweep(engine)
    finally:
        await engine.db.dispose()


async def waitlist_events(database_url: str) -> list[tuple[str, int]]:
    found = await rows(
        database_url,
        select(outbox_events.c.type, outbox_events.c.booking_id)
        .where(outbox_events.c.type.like("waitlist.%"))
        .order_by(outbox_events.c.id),
    )
    return [(t, b) for t, b in found]


@pytest.mark.parametrize("kind", ["event slot", "calendar time"])
async def test_a_chain_of_three_the_first_lets_the_offer_lapse_the_second_accepts(
    http: httpx.AsyncClient, settings: Settings, clock: FrozenClock, database_url: str, kind: str
):
    if kind == "event slot":
        _, slot_id, (token,) = await full_slot(http)
        place: dict[str, Any] = {"time_slot_id": slot_id}
        direct = {"attendee_name": "Eve", "time_slot_id": slot_id}
    else:
        provider_id, token = await taken_time(http)
        place = {"calendar_id": provider_id, "start_at": TEN}
        direct = {"provider_id": provider_id, "date": DAY, "time": "10:00"}
    first, second, third = [await join(http, place, who) for who in ("Ann", "Bob", "Cy")]
    assert [first["position"], second["position"], third["position"]] == [1, 2, 3]
    assert first["status"] == "waiting" and "offer_expires_at" not in first

    assert (await http.delete(f"/api/v1/bookings/{token}")).status_code == 204
    offered = await entry(http, first["token"])
    assert offered["status"] == "offered" and offered["position"] is None
    assert offered["offer_expires_at"].startswith("2031-01-15T09:00:00")  # now + 60 minutes
    assert offered["booking"]["status"] == "held"
    assert [(await entry(http, t["token"]))["position"] for t in (second, third)] == [1, 2]
    taken = await http.post("/api/v1/bookings", json=direct)
    assert taken.status_code == 409, taken.text  # the place is held for Ann

    clock.advance(minutes=60)  # Ann's offer runs out
    assert (await entry(http, first["token"]))["status"] == "lapsed"  # swept or not
    await sweep_at(settings, clock)
    assert (await entry(http, first["token"]))["status"] == "lapsed"
    bob = await entry(http, second["token"])
    assert bob["status"] == "offered"
    assert (await http.post("/api/v1/bookings", json=direct)).status_code == 409
    lapsed = await http.post(f"/api/v1/waitlist/{first['token']}/accept")
    assert (lapsed.status_code, lapsed.json()["code"]) == (409, "offer_lapsed")

    clock.advance(minutes=30)
    accepted = await http.post(f"/api/v1/waitlist/{second['token']}/accept")
    assert accepted.status_code == 201, accepted.text
    booking = accepted.json()
    assert booking["status"] == "confirmed" and booking["booking_token"]
    managed = await http.get(f"/api/v1/bookings/{booking['booking_token']}")
    assert managed.status_code == 200 and managed.json()["id"] == booking["id"]
    bob = await entry(http, second["token"])
    assert (bob["status"], bob["booking"]["id"]) == ("booked", booking["id"])
    cy = await entry(http, third["token"])
    assert (cy["status"], cy["position"]) == ("waiting", 1)

    clock.advance(hours=3)  # nothing else lapses: Bob's booking is firm
    await sweep_at(settings, clock)
    assert (await entry(http, third["token"]))["status"] == "waiting"
    events = [t for t, _ in await waitlist_events(database_url)]
    assert events == [
        "waitlist.offered",
        "waitlist.lapsed",
        "waitlist.offered",
        "waitlist.accepted",
    ]


async def test_leaving_with_an_open_offer_passes_it_to_the_next(http: httpx.AsyncClient):
    event_id, slot_id, (token,) = await full_slot(http)
    first, second = [await join(http, {"time_slot_id": slot_id}, w) for w in ("Ann", "Bob")]
    await http.delete(f"/api/v1/bookings/{token}")
    left = await http.delete(f"/api/v1/waitlist/{first['token']}")
    assert left.status_code == 200 and left.json()["status"] == "left"
    assert (await entry(http, second["token"]))["status"] == "offered"
    assert await slot_counts(http, event_id) == {slot_id: 1}
    again = await http.delete(f"/api/v1/waitlist/{first['token']}")
    assert again.status_code == 200 and again.json()["status"] == "left"


async def test_a_booking_moved_away_frees_its_seat_for_the_first_in_line(
    http: httpx.AsyncClient,
):
    event = await create_event(http, ("09:00", "10:00", 1), ("10:00", "11:00", 1))
    full, other = (s["id"] for s in event["time_slots"])
    token = (await book_seat(http, full)).json()["booking_token"]
    waiter = await join(http, {"time_slot_id": full}, "Ann")
    moved = await http.put(f"/api/v1/bookings/{token}", json={"new_time_slot_id": other})
    assert moved.status_code == 200, moved.text
    assert (await entry(http, waiter["token"]))["status"] == "offered"
    assert await slot_counts(http, event["id"]) == {full: 1, other: 1}


async def test_the_line_is_strict_nobody_passes_one_waiting_for_more_seats(
    http: httpx.AsyncClient,
):
    event_id, slot_id, tokens = await full_slot(http, capacity=2)
    pair = await join(http, {"time_slot_id": slot_id}, "Ann", seats=2)
    single = await join(http, {"time_slot_id": slot_id}, "Bob")
    await http.delete(f"/api/v1/bookings/{tokens[0]}")
    assert (await entry(http, pair["token"]))["status"] == "waiting"
    assert (await entry(http, single["token"]))["status"] == "waiting"
    assert (await book_seat(http, slot_id, "Eve")).status_code == 409  # someone waits
    await http.delete(f"/api/v1/bookings/{tokens[1]}")
    assert (await entry(http, pair["token"]))["status"] == "offered"
    assert (await entry(http, single["token"]))["position"] == 1
    assert await slot_counts(http, event_id) == {slot_id: 2}


async def test_a_freed_place_with_nobody_waiting_is_simply_free(http: httpx.AsyncClient):
    event_id, slot_id, (token,) = await full_slot(http)
    await http.delete(f"/api/v1/bookings/{token}")
    assert await slot_counts(http, event_id) == {slot_id: 0}
    assert (await book_seat(http, slot_id, "Eve")).status_code == 201


async def test_the_offer_lasts_the_calendars_waitlist_offer_minutes(
    http: httpx.AsyncClient, clock: FrozenClock
):
    provider_id, token = await taken_time(http)
    shown = await http.get(f"/api/v1/calendars/{provider_id}/settings")
    assert shown.json()["waitlist_offer_minutes"] == 60
    changed = await http.patch(
        f"/api/v1/calendars/{provider_id}/settings", json={"waitlist_offer_minutes": 15}
    )
    assert changed.status_code == 200 and changed.json()["waitlist_offer_minutes"] == 15
    ann = await join(http, {"calendar_id": provider_id, "start_at": TEN}, "Ann")
    await http.delete(f"/api/v1/bookings/{token}")
    offered = await entry(http, ann["token"])
    assert offered["offer_expires_at"] == "2031-01-15T08:15:00+00:00"
    clock.advance(minutes=15)
    assert (await entry(http, ann["token"]))["status"] == "lapsed"


# --- refusals ----------------------------------------------------------------------------


async def test_joining_a_slot_with_places_left_or_a_free_time_is_refused(
    http: httpx.AsyncClient,
):
    event = await create_event(http, ("09:00", "10:00", 2))
    slot_id = event["time_slots"][0]["id"]
    refused = await http.post(
        "/api/v1/waitlist", json={"time_slot_id": slot_id, "name": "A", "email": "a@x.io"}
    )
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "This time slot has 2 places left: book it directly",
        "code": "places_left",
    }
    provider_id, _ = await taken_time(http)
    free = await http.post(
        "/api/v1/waitlist",
        json={
            "calendar_id": provider_id,
            "start_at": f"{DAY}T11:00:00+00:00",
            "name": "A",
            "email": "a@x.io",
        },
    )
    assert (free.status_code, free.json()["code"]) == (409, "places_left")


async def test_joining_twice_and_accepting_without_an_offer_are_conflicts(
    http: httpx.AsyncClient,
):
    _, slot_id, _ = await full_slot(http)
    joined = await join(http, {"time_slot_id": slot_id}, "Ann")
    twice = await http.post(
        "/api/v1/waitlist", json={"time_slot_id": slot_id, "name": "Ann", "email": "ANN@x.io"}
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "already_waiting")
    early = await http.post(f"/api/v1/waitlist/{joined['token']}/accept")
    assert early.status_code == 409
    assert early.json() == {
        "detail": "This waitlist entry is waiting: there is no offer to accept",
        "code": "no_offer",
    }


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"time_slot_id": "abc"}, 404, "Time slot not found"),
        ({"time_slot_id": 987654}, 404, "Time slot not found"),
        ({"calendar_id": 987654, "start_at": TEN}, 404, "Calendar not found"),
        ({"calendar_id": "x", "start_at": TEN}, 404, "Calendar not found"),
    ],
)
async def test_an_unknown_place_is_a_404_naming_it(
    http: httpx.AsyncClient, body: dict[str, Any], status: int, detail: str
):
    response = await http.post("/api/v1/waitlist", json=body | {"name": "A", "email": "a@x.io"})
    assert response.status_code == status, response.text
    assert response.json()["detail"] == detail


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"name": "A", "email": "a@x.io"}, "give time_slot_id, or both calendar_id and start_at"),
        ({"time_slot_id": 1, "calendar_id": 1, "name": "A", "email": "a@x.io"}, "not both"),
        ({"calendar_id": 1, "name": "A", "email": "a@x.io"}, "both calendar_id and start_at"),
        (
            {"calendar_id": 1, "start_at": "2031-01-20T10:00", "name": "A", "email": "a@x.io"},
            "start_at",
        ),
        ({"time_slot_id": 1, "email": "a@x.io"}, "name"),
        ({"time_slot_id": 1, "name": "A", "email": "nope"}, "email"),
        ({"time_slot_id": 1, "name": "A", "email": "a@x.io", "seats": 0}, "seats"),
        ({"time_slot_id": 1, "name": "A", "email": "a@x.io", "colour": "red"}, "colour"),
    ],
)
async def test_a_malformed_join_is_a_422_naming_the_problem(
    http: httpx.AsyncClient, body: dict[str, Any], named: str
):
    response = await http.post("/api/v1/waitlist", json=body)
    assert response.status_code == 422, response.text
    assert named in response.json()["detail"]


@pytest.mark.parametrize("method", ["GET", "DELETE", "POST"])
async def test_an_unknown_waitlist_token_is_a_404(http: httpx.AsyncClient, method: str):
    path = "/api/v1/waitlist/not-a-token" + ("/accept" if method == "POST" else "")
    response = await http.request(method, path)
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Waitlist entry not found",
        "code": "waitlist_entry_not_found",
    }


async def test_waitlist_offer_minutes_must_be_positive(http: httpx.AsyncClient):
    provider_id, _ = await taken_time(http)
    response = await http.patch(
        f"/api/v1/calendars/{provider_id}/settings", json={"waitlist_offer_minutes": 0}
    )
    assert response.status_code == 422
    assert "waitlist_offer_minutes" in response.json()["detail"]
