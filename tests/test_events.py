"""Surface 003: events, their seat-limited time slots, and booking a seat."""

import hashlib

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from slotbook.settings import Settings
from slotbook.store.tables import bookings
from tests.support.clock import FrozenClock
from tests.support.events import EVENT_DAY, book_seat, create_event, event_body, slot_counts

SLOT_FIELDS = {
    "id",
    "start_time",
    "end_time",
    "max_capacity",
    "current_bookings",
    "available_spots",
}
SLOT = "the event's slot"  # stands for the real slot id in parametrised bodies
BOOKING_FIELDS = {"id", "attendee_name", "time_slot_id", "booking_token", "email", "created_at"}


async def no_events(client: httpx.AsyncClient) -> bool:
    return (await client.get("/api/v1/events")).json() == []


async def test_creating_an_event_answers_201_with_its_slots_all_free(client):
    response = await client.post(
        "/api/v1/events",
        json=event_body(("09:00:00", "09:30:00", 10), ("09:30", "10:00", 5)),
    )
    assert response.status_code == 201
    event = response.json()
    assert event["name"] == "Tech Conference"
    assert event["event_date"] == EVENT_DAY
    assert event["description"] == "Annual tech conference"
    first, second = event["time_slots"]
    assert set(first) >= SLOT_FIELDS
    assert {k: first[k] for k in SLOT_FIELDS - {"id"}} == {
        "start_time": "09:00:00",
        "end_time": "09:30:00",
        "max_capacity": 10,
        "current_bookings": 0,
        "available_spots": 10,
    }
    assert (second["start_time"], second["end_time"], second["available_spots"]) == (
        "09:30:00",
        "10:00:00",
        5,
    )
    assert first["id"] != second["id"]


async def test_description_is_optional(client):
    body = event_body()
    del body["description"]
    response = await client.post("/api/v1/events", json=body)
    assert response.status_code == 201
    assert response.json()["description"] is None


async def test_slot_times_are_wall_clock_in_the_events_time_zone(client):
    event = await create_event(client, ("09:00", "10:00", 3), timezone="Europe/Berlin")
    slot = event["time_slots"][0]
    assert slot["start_time"] == "09:00:00"
    assert slot["start_at"] == f"{EVENT_DAY}T09:00:00+01:00"


@pytest.mark.parametrize(
    ("slot", "problem"),
    [
        (("10:00", "09:00", 5), "end_time must be after start_time"),
        (("10:00", "10:00", 5), "end_time must be after start_time"),
        (("09:00", "10:00", 0), "max_capacity"),
        (("09:00", "10:00", -3), "max_capacity"),
        (("9am", "10:00", 5), "start_time"),
        (("09:00", "24:00", 5), "end_time"),
        (("09:00:30", "10:00", 5), "start_time"),
    ],
)
async def test_an_impossible_slot_is_a_422_naming_the_problem_and_creates_nothing(
    client, slot, problem
):
    response = await client.post("/api/v1/events", json=event_body(("08:00", "09:00", 5), slot))
    assert response.status_code == 422
    assert problem in response.json()["detail"]
    assert await no_events(client)


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"name": None},
        {"event_date": "2031-02-30"},
        {"event_date": "someday"},
        {"event_date": "2031-01-14"},  # yesterday
        {"time_slots": []},
        {"time_slots": None},
        {"time_slots": [{"start_time": "09:00", "end_time": "10:00"}]},
        {"timezone": "Mars/Olympus"},
        {"change_cutoff_minutes": -1},
    ],
)
async def test_a_malformed_event_is_rejected_and_creates_nothing(client, change):
    response = await client.post("/api/v1/events", json=event_body() | change)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]
    assert await no_events(client)


async def test_a_slot_at_a_wall_time_that_dst_skips_is_a_422(client):
    response = await client.post(
        "/api/v1/events",
        json=event_body(("02:30", "03:30", 5), event_date="2031-03-30", timezone="Europe/Berlin"),
    )
    assert response.status_code == 422
    assert "does not exist" in response.json()["detail"]


async def test_events_are_listed_in_pages(client):
    made = [await create_event(client, name=f"Event {n}") for n in range(3)]
    everything = await client.get("/api/v1/events")
    assert [e["id"] for e in everything.json()] == [e["id"] for e in made]
    page = await client.get("/api/v1/events", params={"limit": 1, "offset": 1})
    assert page.status_code == 200
    assert [e["name"] for e in page.json()] == ["Event 1"]
    assert page.json()[0]["time_slots"] == made[1]["time_slots"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 100_000}, {"offset": -1}])
async def test_a_bad_page_is_a_422(client, params):
    response = await client.get("/api/v1/events", params=params)
    assert response.status_code == 422


async def test_an_event_is_found_by_its_id_as_number_or_string(client):
    event = await create_event(client)
    response = await client.get(f"/api/v1/events/{event['id']}")
    assert response.status_code == 200
    assert response.json() == event
    slots = await client.get(f"/api/v1/events/{event['id']}/slots")
    assert slots.status_code == 200
    assert slots.json() == event["time_slots"]


@pytest.mark.parametrize("path", ["/api/v1/events/999", "/api/v1/events/999/slots"])
async def test_an_unknown_event_is_404_event_not_found(client, path):
    await create_event(client)
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json()["detail"] == "Event not found"


async def test_a_provider_calendar_is_not_an_event(client):
    provider = await client.post(
        "/api/v1/providers", json={"name": "Dr Who", "email": "who@example.com"}
    )
    response = await client.get(f"/api/v1/events/{provider.json()['id']}")
    assert response.status_code == 404
    assert response.json()["detail"] == "Event not found"


async def test_booking_a_seat_answers_201_with_the_token_once(client):
    event = await create_event(client)
    slot_id = event["time_slots"][0]["id"]
    response = await book_seat(client, slot_id, "John Doe", email="john@example.com")
    assert response.status_code == 201
    booking = response.json()
    assert set(booking) >= BOOKING_FIELDS
    assert booking["attendee_name"] == "John Doe"
    assert booking["time_slot_id"] == slot_id
    assert booking["email"] == "john@example.com"
    assert booking["created_at"].endswith("+00:00")
    token = booking["booking_token"]
    assert len(token) >= 43  # 32 random bytes, base64url
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


async def test_only_a_hash_of_the_token_is_stored(client, settings: Settings):
    event = await create_event(client)
    token = (await book_seat(client, event["time_slots"][0]["id"])).json()["booking_token"]
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            stored = (await conn.execute(select(bookings.c.token_hash))).scalar_one()
    finally:
        await engine.dispose()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored


async def test_email_is_optional_and_the_slot_id_may_be_a_string(client):
    event = await create_event(client)
    response = await book_seat(client, str(event["time_slots"][0]["id"]))
    assert response.status_code == 201
    assert response.json()["email"] is None


async def test_each_booking_takes_one_seat_and_the_counts_are_live(client):
    event = await create_event(client, ("09:00", "10:00", 3), ("10:00", "11:00", 3))
    first, second = (s["id"] for s in event["time_slots"])
    await book_seat(client, first, "A")
    await book_seat(client, first, "B")
    slots = (await client.get(f"/api/v1/events/{event['id']}/slots")).json()
    assert [(s["current_bookings"], s["available_spots"]) for s in slots] == [(2, 1), (0, 3)]
    shown = (await client.get(f"/api/v1/events/{event['id']}")).json()["time_slots"]
    assert shown == slots
    assert await slot_counts(client, event["id"]) == {first: 2, second: 0}


async def test_a_full_slot_is_a_409_time_slot_is_full(client):
    event = await create_event(client, ("09:00", "10:00", 2))
    slot_id = event["time_slots"][0]["id"]
    assert (await book_seat(client, slot_id, "A")).status_code == 201
    assert (await book_seat(client, slot_id, "B")).status_code == 201
    full = await book_seat(client, slot_id, "C")
    assert full.status_code == 409
    assert full.json()["detail"] == "Time slot is full"
    assert await slot_counts(client, event["id"]) == {slot_id: 2}


async def test_an_unknown_slot_is_a_404_time_slot_not_found(client):
    await create_event(client)
    response = await book_seat(client, 4242)
    assert response.status_code == 404
    assert response.json()["detail"] == "Time slot not found"


async def test_a_slot_that_has_started_cannot_be_booked(client, clock: FrozenClock):
    event = await create_event(client)
    clock.set(clock.now.replace(day=20, hour=9, minute=1))
    response = await book_seat(client, event["time_slots"][0]["id"])
    assert response.status_code == 400
    assert response.json()["detail"] == "This time slot has already started"


@pytest.mark.parametrize(
    "body",
    [
        {"attendee_name": "", "time_slot_id": SLOT},
        {"attendee_name": "   ", "time_slot_id": SLOT},
        {"attendee_name": "x" * 201, "time_slot_id": SLOT},
        {"attendee_name": "Ada"},
        {"time_slot_id": SLOT},
        {"attendee_name": "Ada", "time_slot_id": SLOT, "email": "not-an-email"},
    ],
)
async def test_a_bad_seat_booking_is_a_422_naming_the_problem_and_books_nothing(client, body):
    event = await create_event(client)
    if body.get("time_slot_id") == SLOT:
        body = body | {"time_slot_id": event["time_slots"][0]["id"]}
    response = await client.post("/api/v1/bookings", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
    assert await slot_counts(client, event["id"]) == {event["time_slots"][0]["id"]: 0}


async def test_the_same_path_still_serves_provider_bookings_in_their_style(client):
    missing = await client.post("/api/v1/bookings", json={"provider_id": 1})
    assert missing.status_code == 400
    assert missing.json()["error"] == "Missing required fields: date, time"
    provider = await client.post(
        "/api/v1/providers", json={"name": "Dr Who", "email": "who@example.com"}
    )
    made = await client.post(
        "/api/v1/bookings",
        json={"provider_id": provider.json()["id"], "date": EVENT_DAY, "time": "10:00"},
    )
    assert made.status_code == 201
    assert made.json()["time"] == "10:00:00"


async def test_a_retried_seat_booking_with_the_same_key_books_once(client):
    event = await create_event(client)
    slot_id = event["time_slots"][0]["id"]
    headers = {"Idempotency-Key": "seat-1"}
    first = await client.post(
        "/api/v1/bookings", json={"attendee_name": "Ada", "time_slot_id": slot_id}, headers=headers
    )
    again = await client.post(
        "/api/v1/bookings", json={"attendee_name": "Ada", "time_slot_id": slot_id}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await slot_counts(client, event["id"]) == {slot_id: 1}
    other = await client.post(
        "/api/v1/bookings", json={"attendee_name": "Bob", "time_slot_id": slot_id}, headers=headers
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]


@pytest.mark.parametrize("unknown", ["abc", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "0", "99999"])
async def test_an_unknown_event_or_slot_id_of_any_form_is_not_found(client, unknown):
    for path in (f"/api/v1/events/{unknown}", f"/api/v1/events/{unknown}/slots"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.json()["detail"] == "Event not found"
    for slot_id in (unknown, -1, True):
        booked = await client.post(
            "/api/v1/bookings", json={"attendee_name": "Ada", "time_slot_id": slot_id}
        )
        assert booked.status_code == 404
        assert booked.json()["detail"] == "Time slot not found"
