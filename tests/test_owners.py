"""Surface 001: calendar owners, working hours, slots and appointments."""

from datetime import timedelta

import httpx
import pytest

from tests.support.clock import FrozenClock

DAY = "2031-01-20"  # a Monday after the clock's "now" (2031-01-15 08:00 UTC)


async def set_hours(
    client: httpx.AsyncClient,
    owner: str = "alice",
    start: str = "09:00",
    end: str = "17:00",
    **extra: object,
) -> httpx.Response:
    body = {"calendar_owner_id": owner, "start_time": start, "end_time": end} | extra
    return await client.post("/api/v1/availability", json=body)


def appointment(owner: str = "alice", day: str = DAY, start: str = "10:00", **extra: object):
    return {
        "calendar_owner_id": owner,
        "invitee_name": "Bob",
        "invitee_email": "bob@example.com",
        "date": day,
        "slot_start_time": start,
    } | extra


async def test_setting_availability_creates_the_owner_and_offers_hourly_slots(client):
    response = await set_hours(client)
    assert response.status_code == 200
    assert response.json() == {"message": "Availability set successfully"}
    slots = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": DAY}
    )
    assert slots.status_code == 200
    assert slots.json() == {"available_slots": [f"{h:02d}:00" for h in range(9, 17)]}


async def test_a_full_day_offers_23_slots_because_the_end_hour_is_excluded(client):
    await set_hours(client, start="00:00", end="23:00")
    slots = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": DAY}
    )
    assert len(slots.json()["available_slots"]) == 23


async def test_setting_availability_again_replaces_the_hours(client):
    await set_hours(client)
    await set_hours(client, start="12:00", end="14:00")
    slots = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": DAY}
    )
    assert slots.json() == {"available_slots": ["12:00", "13:00"]}


@pytest.mark.parametrize(("start", "end"), [("17:00", "09:00"), ("09:00", "09:00")])
async def test_start_not_before_end_is_a_400(client, start, end):
    response = await set_hours(client, start=start, end=end)
    assert response.status_code == 400
    assert response.json()["detail"] == "Start time must be before end time"


@pytest.mark.parametrize(
    "body",
    [
        {"start_time": "09:00", "end_time": "17:00"},
        {"calendar_owner_id": "", "start_time": "09:00", "end_time": "17:00"},
        {"calendar_owner_id": "a", "start_time": "09:30", "end_time": "17:00"},
        {"calendar_owner_id": "a", "start_time": "25:00", "end_time": "17:00"},
        {"calendar_owner_id": "a", "start_time": "9am", "end_time": "17:00"},
        {"calendar_owner_id": "a", "start_time": 9, "end_time": "17:00"},
        {"calendar_owner_id": "a" * 5000, "start_time": "09:00", "end_time": "17:00"},
        {
            "calendar_owner_id": "a",
            "start_time": "09:00",
            "end_time": "17:00",
            "timezone": "Mars/Olympus",
        },
    ],
)
async def test_malformed_availability_is_a_422_and_writes_nothing(client, body):
    response = await client.post("/api/v1/availability", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
    listing = await client.get("/api/v1/appointments", params={"calendar_owner_id": "a"})
    assert listing.json() == []
    slots = await client.get("/api/v1/slots", params={"calendar_owner_id": "a", "for_date": DAY})
    assert slots.status_code == 404


async def test_slots_of_an_unknown_owner_is_404_user_not_found(client):
    response = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "nobody", "for_date": DAY}
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "User Not Found"


async def test_slots_for_a_past_date_is_a_400(client):
    await set_hours(client)
    response = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": "2031-01-14"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Cannot retrieve slots for a past date"


@pytest.mark.parametrize(
    "params",
    [
        {"calendar_owner_id": "alice"},
        {"for_date": DAY},
        {"calendar_owner_id": "alice", "for_date": "2031-13-01"},
        {"calendar_owner_id": "alice", "for_date": "tomorrow"},
    ],
)
async def test_slots_with_missing_or_malformed_parameters_is_a_422(client, params):
    await set_hours(client)
    response = await client.get("/api/v1/slots", params=params)
    assert response.status_code == 422


async def test_todays_slots_leave_out_the_hours_already_begun(client, clock: FrozenClock):
    await set_hours(client)
    clock.set(clock.now.replace(hour=11, minute=30))
    slots = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": "2031-01-15"}
    )
    assert slots.json()["available_slots"] == ["12:00", "13:00", "14:00", "15:00", "16:00"]


async def test_booking_an_appointment_takes_the_slot_out_of_the_list(client):
    await set_hours(client)
    response = await client.post("/api/v1/appointments", json=appointment())
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Appointment booked"
    assert body["appointment_id"]
    assert len(body["booking_token"]) >= 43
    slots = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": DAY}
    )
    assert "10:00" not in slots.json()["available_slots"]
    assert len(slots.json()["available_slots"]) == 7


async def test_booking_a_taken_slot_is_a_409_slot_already_booked(client):
    await set_hours(client)
    await client.post("/api/v1/appointments", json=appointment())
    again = await client.post(
        "/api/v1/appointments",
        json=appointment(invitee_name="Carol", invitee_email="c@example.com"),
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "Slot already booked"


@pytest.mark.parametrize("start", ["08:00", "17:00", "20:00"])
async def test_booking_outside_the_hours_is_a_400_invalid_time(client, start):
    await set_hours(client)
    response = await client.post("/api/v1/appointments", json=appointment(start=start))
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid time"


async def test_booking_with_an_unknown_owner_is_404(client):
    response = await client.post("/api/v1/appointments", json=appointment(owner="ghost"))
    assert response.status_code == 404
    assert response.json()["detail"] == "User Not Found"


@pytest.mark.parametrize(
    "change",
    [
        {"slot_start_time": "10:30"},
        {"slot_start_time": "25:00"},
        {"slot_start_time": "ten"},
        {"invitee_name": ""},
        {"invitee_name": "x" * 10_000},
        {"invitee_email": "not-an-email"},
        {"date": "2031-02-30"},
        {"date": "2031-01-14"},  # yesterday
        {"date": "2032-06-01"},  # beyond 365 days
        {"calendar_owner_id": None},
    ],
)
async def test_bad_appointment_requests_are_422_and_book_nothing(client, change):
    await set_hours(client)
    response = await client.post("/api/v1/appointments", json=appointment() | change)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    listing = await client.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert listing.json() == []


async def test_missing_appointment_field_is_422(client):
    await set_hours(client)
    body = appointment()
    del body["invitee_email"]
    response = await client.post("/api/v1/appointments", json=body)
    assert response.status_code == 422
    assert "invitee_email" in response.json()["detail"]


async def test_booking_an_hour_already_begun_today_is_rejected(client, clock: FrozenClock):
    await set_hours(client)
    clock.set(clock.now.replace(hour=10, minute=5))
    response = await client.post(
        "/api/v1/appointments", json=appointment(day="2031-01-15", start="10:00")
    )
    assert response.status_code == 422


async def test_appointments_list_shows_upcoming_bookings(client, clock: FrozenClock):
    await set_hours(client)
    made = await client.post("/api/v1/appointments", json=appointment(start="11:00"))
    listing = await client.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert listing.status_code == 200
    assert listing.json() == [
        {
            "id": made.json()["appointment_id"],
            "invitee_name": "Bob",
            "invitee_email": "bob@example.com",
            "date": DAY,
            "start_time": "11:00",
            "end_time": "12:00",
            "status": "confirmed",
        }
    ]
    clock.set(clock.now.replace(day=21))  # after the appointment
    later = await client.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert later.json() == []


async def test_appointments_of_an_unknown_owner_is_an_empty_list(client):
    response = await client.get("/api/v1/appointments", params={"calendar_owner_id": "ghost"})
    assert response.status_code == 200
    assert response.json() == []


async def test_appointments_without_owner_parameter_is_422(client):
    response = await client.get("/api/v1/appointments")
    assert response.status_code == 422


async def test_hours_are_wall_clock_in_the_owners_time_zone(client):
    await set_hours(client, owner="tokyo", start="09:00", end="11:00", timezone="Asia/Tokyo")
    made = await client.post("/api/v1/appointments", json=appointment(owner="tokyo", start="09:00"))
    assert made.status_code == 200
    slots = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "tokyo", "for_date": DAY}
    )
    assert slots.json() == {"available_slots": ["10:00"]}


async def test_minimum_notice_is_enforced_on_the_write_path(client, clock: FrozenClock):
    await set_hours(client, min_notice_minutes=48 * 60)
    tomorrow = await client.post("/api/v1/appointments", json=appointment(day="2031-01-16"))
    assert tomorrow.status_code == 422
    assert "notice" in tomorrow.json()["detail"]
    later = await client.post("/api/v1/appointments", json=appointment(day="2031-01-18"))
    assert later.status_code == 200


async def test_booking_horizon_is_per_calendar(client):
    await set_hours(client, horizon_days=3)
    too_far = await client.post("/api/v1/appointments", json=appointment(day=DAY))
    assert too_far.status_code == 422
    assert "3 days" in too_far.json()["detail"]


async def test_same_idempotency_key_returns_the_first_answer_and_books_once(client):
    await set_hours(client)
    headers = {"Idempotency-Key": "retry-1"}
    first = await client.post("/api/v1/appointments", json=appointment(), headers=headers)
    second = await client.post("/api/v1/appointments", json=appointment(), headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    listing = await client.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert len(listing.json()) == 1


async def test_reusing_an_idempotency_key_with_another_body_is_rejected(client):
    await set_hours(client)
    headers = {"Idempotency-Key": "retry-2"}
    await client.post("/api/v1/appointments", json=appointment(), headers=headers)
    other = await client.post(
        "/api/v1/appointments", json=appointment(start="12:00"), headers=headers
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]


async def test_an_unreachable_database_is_a_503_not_a_500(settings, clock):
    from asgi_lifespan import LifespanManager

    from slotbook.app import create_app

    down = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    )
    app = create_app(down, clock=clock)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://slotbook.test"
        ) as http,
    ):
        response = await http.get(
            "/api/v1/slots", params={"calendar_owner_id": "a", "for_date": DAY}
        )
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"


async def test_a_past_date_is_refused_before_the_owner_is_looked_up(client, clock):
    yesterday = (clock.now.date() - timedelta(days=1)).isoformat()
    slots = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "nobody", "for_date": yesterday}
    )
    assert slots.status_code == 400
    assert slots.json()["detail"] == "Cannot retrieve slots for a past date"
    booking = await client.post(
        "/api/v1/appointments",
        json={
            "calendar_owner_id": "nobody",
            "invitee_name": "Bob",
            "invitee_email": "bob@example.com",
            "date": yesterday,
            "slot_start_time": "10:00",
        },
    )
    assert booking.status_code == 422
    assert booking.json()["code"] == "in_past"
    tomorrow = (clock.now.date() + timedelta(days=1)).isoformat()
    unknown = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "nobody", "for_date": tomorrow}
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "User Not Found"
