"""Surface 002: providers and bookings of their time."""

import httpx
import pytest

from tests.support.clock import FrozenClock

DAY = "2031-01-20"


async def new_provider(
    client: httpx.AsyncClient, email: str = "dr@example.com", **extra: object
) -> int:
    response = await client.post(
        "/api/v1/providers", json={"name": "Dr Who", "email": email} | extra
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def book(
    client: httpx.AsyncClient,
    provider_id: object,
    time: str = "14:00",
    day: str = DAY,
    **headers: str,
) -> httpx.Response:
    return await client.post(
        "/api/v1/bookings",
        json={"provider_id": provider_id, "date": day, "time": time},
        headers=headers,
    )


async def test_creating_a_provider_returns_it_and_it_can_be_read_back(client):
    response = await client.post(
        "/api/v1/providers", json={"name": "Dr Who", "email": "dr@example.com"}
    )
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "Dr Who" and created["email"] == "dr@example.com"
    shown = await client.get(f"/api/v1/providers/{created['id']}")
    assert shown.json() == created
    listed = await client.get("/api/v1/providers")
    assert listed.json() == [created]


async def test_the_documents_own_example_books_the_first_provider_as_id_1(client):
    """002's document creates providers out of band and books `"provider_id": 1`."""
    assert await new_provider(client) == 1
    response = await book(client, 1)
    assert response.status_code == 201, response.text
    assert response.json()["provider_id"] == 1


async def test_provider_email_is_unique(client):
    await new_provider(client)
    again = await client.post(
        "/api/v1/providers", json={"name": "Other", "email": "DR@example.com"}
    )
    assert again.status_code == 409
    assert "email" in again.json()["error"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x"},
        {"email": "a@example.com"},
        {"name": "", "email": "a@example.com"},
        {"name": "x", "email": "nope"},
        {"name": "x" * 1000, "email": "a@example.com"},
        {"name": "x", "email": "a@example.com", "timezone": "Nowhere/City"},
        {"name": "x", "email": "a@example.com", "slot_minutes": 0},
    ],
)
async def test_bad_provider_bodies_are_400_with_an_error(client, body):
    response = await client.post("/api/v1/providers", json=body)
    assert response.status_code in (400, 422)
    assert response.json()["error"]
    assert (await client.get("/api/v1/providers")).json() == []


async def test_unknown_provider_is_404(client):
    response = await client.get("/api/v1/providers/999")
    assert response.status_code == 404
    assert response.json() == {"error": "Provider not found", "code": "calendar_not_found"}


async def test_booking_returns_201_with_the_documented_fields(client):
    provider = await new_provider(client)
    response = await book(client, provider, "14:30")
    assert response.status_code == 201
    body = response.json()
    assert body["provider_id"] == provider
    assert body["date"] == DAY
    assert body["time"] == "14:30:00"
    assert body["created_at"].endswith("+00:00")
    assert body["id"] and len(body["booking_token"]) >= 43


async def test_provider_id_may_be_a_string(client):
    provider = await new_provider(client)
    assert (await book(client, str(provider))).status_code == 201


async def test_same_time_twice_is_409(client):
    provider = await new_provider(client)
    await book(client, provider, "14:00")
    again = await book(client, provider, "14:00")
    assert again.status_code == 409
    assert again.json()["error"] == "This time slot is already booked"


@pytest.mark.parametrize("time", ["14:30", "13:01", "14:59"])
async def test_overlapping_times_conflict(client, time):
    provider = await new_provider(client)
    await book(client, provider, "14:00")
    overlapping = await book(client, provider, time)
    assert overlapping.status_code == 409


async def test_back_to_back_bookings_do_not_conflict(client):
    provider = await new_provider(client)
    assert (await book(client, provider, "14:00")).status_code == 201
    assert (await book(client, provider, "15:00")).status_code == 201
    assert (await book(client, provider, "13:00")).status_code == 201


async def test_different_providers_may_book_the_same_time(client):
    first = await new_provider(client)
    second = await new_provider(client, email="other@example.com")
    assert (await book(client, first)).status_code == 201
    assert (await book(client, second)).status_code == 201


async def test_a_booking_lasts_the_providers_slot_length(client):
    provider = await new_provider(client, slot_minutes=30)
    assert (await book(client, provider, "14:00")).status_code == 201
    assert (await book(client, provider, "14:30")).status_code == 201
    assert (await book(client, provider, "14:15")).status_code == 409


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Missing required fields: provider_id, date, time"),
        ({"provider_id": 1}, "Missing required fields: date, time"),
        ({"date": DAY, "time": "10:00"}, "Missing required fields: provider_id"),
        ({"provider_id": 1, "date": DAY}, "Missing required fields: time"),
        ({"provider_id": 1, "date": "", "time": "10:00"}, "Missing required fields: date"),
    ],
)
async def test_missing_fields_are_named(client, body, message):
    response = await client.post("/api/v1/bookings", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == message


async def test_unknown_provider_booking_is_404(client):
    response = await book(client, 12345)
    assert response.status_code == 404
    assert response.json()["error"] == "Provider not found"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "2031-02-30"),
        ("date", "20/01/2031"),
        ("date", 20310120),
        ("time", "25:00"),
        ("time", "14:60"),
        ("time", "2pm"),
        ("time", "14:00:30"),
        ("time", "1" * 10_000),
    ],
)
async def test_malformed_values_are_400_and_book_nothing(client, field, value):
    provider = await new_provider(client)
    body = {"provider_id": provider, "date": DAY, "time": "14:00"} | {field: value}
    response = await client.post("/api/v1/bookings", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]
    assert (await client.get("/api/v1/bookings")).json() == []


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', "null"])
async def test_a_body_that_is_not_a_json_object_is_400(client, raw):
    response = await client.post(
        "/api/v1/bookings", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]


async def test_a_time_in_the_past_is_400(client, clock: FrozenClock):
    provider = await new_provider(client)
    response = await book(client, provider, "07:00", day="2031-01-15")
    assert response.status_code == 400
    assert response.json()["error"] == "Cannot book a time in the past"


async def test_a_wall_time_skipped_by_dst_is_400(client):
    provider = await new_provider(client, timezone="Europe/Berlin")
    response = await book(client, provider, "02:30", day="2031-03-30")
    assert response.status_code == 400
    assert "does not exist" in response.json()["error"]


async def test_bookings_list_filters_by_provider_and_dates(client):
    first = await new_provider(client)
    second = await new_provider(client, email="b@example.com")
    await book(client, first, "09:00", day="2031-01-20")
    await book(client, first, "09:00", day="2031-01-22")
    await book(client, second, "09:00", day="2031-01-20")
    every = (await client.get("/api/v1/bookings")).json()
    assert len(every) == 3
    mine = (await client.get("/api/v1/bookings", params={"provider_id": first})).json()
    assert [b["date"] for b in mine] == ["2031-01-20", "2031-01-22"]
    window = await client.get(
        "/api/v1/bookings",
        params={"provider_id": first, "date_from": "2031-01-21", "date_to": "2031-01-22"},
    )
    assert [b["date"] for b in window.json()] == ["2031-01-22"]
    paged = await client.get("/api/v1/bookings", params={"limit": 2, "offset": 2})
    assert len(paged.json()) == 1


async def test_idempotent_retry_books_once(client):
    provider = await new_provider(client)
    first = await book(client, provider, **{"Idempotency-Key": "k1"})
    second = await book(client, provider, **{"Idempotency-Key": "k1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert len((await client.get("/api/v1/bookings")).json()) == 1


async def test_one_engine_a_001_booking_blocks_the_same_time_for_the_engine(client):
    """A booking through surface 001 is a claim on the engine like any other."""
    await client.post(
        "/api/v1/availability",
        json={"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"},
    )
    made = await client.post(
        "/api/v1/appointments",
        json={
            "calendar_owner_id": "alice",
            "invitee_name": "Bob",
            "invitee_email": "b@example.com",
            "date": DAY,
            "slot_start_time": "10:00",
        },
    )
    assert made.status_code == 200
    again = await client.post(
        "/api/v1/appointments",
        json={
            "calendar_owner_id": "alice",
            "invitee_name": "Eve",
            "invitee_email": "e@example.com",
            "date": DAY,
            "slot_start_time": "10:00",
        },
        headers={"Idempotency-Key": "other"},
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    "unknown", ["abc", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "0", "-1", "99999", "9" * 40]
)
async def test_an_unknown_provider_id_of_any_form_is_not_found(client, unknown):
    shown = await client.get(f"/api/v1/providers/{unknown}")
    assert shown.status_code == 404
    assert shown.json()["error"] == "Provider not found"
    booked = await book(client, unknown)
    assert booked.status_code == 404
    assert booked.json()["error"] == "Provider not found"
    listed = await client.get("/api/v1/bookings", params={"provider_id": unknown})
    assert listed.status_code == 404
