"""Managing any booking by its token: read, move, cancel, and the change cut-off.

Bookings made on surfaces 001 (owners), 002 (providers) and 003 (events) alike.
"""

import httpx
import pytest

from tests.support.clock import FrozenClock
from tests.support.events import EVENT_DAY, book_seat, create_event, slot_counts

DAY = EVENT_DAY  # Monday 2031-01-20; the clock stands at Wednesday 2031-01-15 08:00 UTC


def at(clock: FrozenClock, hour: int, minute: int = 0, day: int = 20) -> None:
    clock.set(clock.now.replace(day=day, hour=hour, minute=minute))


async def seat(client: httpx.AsyncClient, *slots: tuple[str, str, int], **extra: object):
    """An event, and one booking on its first slot: (event, booking)."""
    event = await create_event(client, *slots, **extra)
    booking = await book_seat(client, event["time_slots"][0]["id"], email="ada@example.com")
    assert booking.status_code == 201
    return event, booking.json()


async def owner_appointment(client: httpx.AsyncClient, start: str = "10:00", **hours: object):
    body = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"} | hours
    assert (await client.post("/api/v1/availability", json=body)).status_code == 200
    made = await client.post(
        "/api/v1/appointments",
        json={
            "calendar_owner_id": "alice",
            "invitee_name": "Bob",
            "invitee_email": "bob@example.com",
            "date": DAY,
            "slot_start_time": start,
        },
    )
    assert made.status_code == 200
    return made.json()


async def owner_slots(client: httpx.AsyncClient) -> list[str]:
    response = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": DAY}
    )
    return response.json()["available_slots"]


async def provider_booking(client: httpx.AsyncClient, time: str = "10:00", **provider: object):
    made = await client.post(
        "/api/v1/providers", json={"name": "Dr Who", "email": "who@example.com"} | provider
    )
    assert made.status_code == 201
    booked = await client.post(
        "/api/v1/bookings", json={"provider_id": made.json()["id"], "date": DAY, "time": time}
    )
    assert booked.status_code == 201
    return made.json(), booked.json()


# --- reading -----------------------------------------------------------------------------


async def test_a_seat_booking_is_read_by_its_token(client):
    _, booking = await seat(client)
    response = await client.get(f"/api/v1/bookings/{booking['booking_token']}")
    assert response.status_code == 200
    shown = response.json()
    for field in ("id", "attendee_name", "time_slot_id", "email", "created_at", "booking_token"):
        assert shown[field] == booking[field]
    assert shown["status"] == "confirmed"
    assert shown["start_at"] == f"{DAY}T09:00:00+00:00"


@pytest.mark.parametrize(
    "token", ["unknown", "x" * 43, "a" * 2000, "%C3%A9t%C3%A9", "..%2F..%2Fetc"]
)
async def test_an_unknown_or_malformed_token_is_404_revealing_nothing(client, token):
    await seat(client)
    for method in ("GET", "DELETE"):
        response = await client.request(method, f"/api/v1/bookings/{token}")
        assert response.status_code == 404
        assert response.json()["detail"] in ("Booking not found", "Not Found")
    moved = await client.put(f"/api/v1/bookings/{token}", json={"new_time_slot_id": 1})
    assert moved.status_code == 404


# --- moving a seat -----------------------------------------------------------------------


async def test_moving_a_seat_booking_takes_a_seat_there_and_frees_the_old_one(client):
    event, booking = await seat(client, ("09:00", "10:00", 2), ("10:00", "11:00", 2))
    first, second = (s["id"] for s in event["time_slots"])
    response = await client.put(
        f"/api/v1/bookings/{booking['booking_token']}", json={"new_time_slot_id": str(second)}
    )
    assert response.status_code == 200
    moved = response.json()
    assert (moved["id"], moved["time_slot_id"], moved["start_time"]) == (
        booking["id"],
        second,
        "10:00:00",
    )
    assert await slot_counts(client, event["id"]) == {first: 0, second: 1}
    shown = await client.get(f"/api/v1/bookings/{booking['booking_token']}")
    assert shown.json()["time_slot_id"] == second


async def test_moving_to_a_full_slot_is_a_409_and_the_booking_stays_where_it_was(client):
    event, booking = await seat(client, ("09:00", "10:00", 2), ("10:00", "11:00", 1))
    first, second = (s["id"] for s in event["time_slots"])
    await book_seat(client, second, "Someone")
    response = await client.put(
        f"/api/v1/bookings/{booking['booking_token']}", json={"new_time_slot_id": second}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "Time slot is full"
    assert await slot_counts(client, event["id"]) == {first: 1, second: 1}
    shown = await client.get(f"/api/v1/bookings/{booking['booking_token']}")
    assert shown.json()["time_slot_id"] == first


async def test_moving_to_an_unknown_slot_is_a_404_and_changes_nothing(client):
    event, booking = await seat(client)
    response = await client.put(
        f"/api/v1/bookings/{booking['booking_token']}", json={"new_time_slot_id": 9999}
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "Time slot not found"
    assert await slot_counts(client, event["id"]) == {booking["time_slot_id"]: 1}


async def test_moving_to_the_slot_it_is_already_in_changes_nothing(client):
    event, booking = await seat(client, ("09:00", "10:00", 1))
    response = await client.put(
        f"/api/v1/bookings/{booking['booking_token']}",
        json={"new_time_slot_id": booking["time_slot_id"]},
    )
    assert response.status_code == 200
    assert await slot_counts(client, event["id"]) == {booking["time_slot_id"]: 1}


async def test_moving_to_a_slot_of_another_event_is_a_422(client):
    _, booking = await seat(client)
    other = await create_event(client, name="Other")
    response = await client.put(
        f"/api/v1/bookings/{booking['booking_token']}",
        json={"new_time_slot_id": other["time_slots"][0]["id"]},
    )
    assert response.status_code == 422
    assert "same event" in response.json()["detail"]
    assert await slot_counts(client, other["id"]) == {other["time_slots"][0]["id"]: 0}


async def test_moving_to_a_slot_that_has_started_is_rejected(client, clock: FrozenClock):
    event = await create_event(client, ("09:00", "10:00", 5), ("12:00", "13:00", 5))
    started, later = (s["id"] for s in event["time_slots"])
    token = (await book_seat(client, later)).json()["booking_token"]
    at(clock, 9, 30)
    response = await client.put(f"/api/v1/bookings/{token}", json={"new_time_slot_id": started})
    assert response.status_code == 400
    assert response.json()["detail"] == "This time slot has already started"
    assert await slot_counts(client, event["id"]) == {started: 0, later: 1}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"new_time_slot_id": None},
        {"new_time_slot_id": 1, "new_time": "10:00"},
        {"new_date": DAY},
        {"new_time": "25:00"},
    ],
)
async def test_a_malformed_move_is_a_422_and_changes_nothing(client, body):
    event, booking = await seat(client)
    response = await client.put(f"/api/v1/bookings/{booking['booking_token']}", json=body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert await slot_counts(client, event["id"]) == {booking["time_slot_id"]: 1}


async def test_a_seat_booking_cannot_be_moved_by_time_nor_a_time_booking_by_slot(client):
    _, booking = await seat(client)
    by_time = await client.put(
        f"/api/v1/bookings/{booking['booking_token']}", json={"new_time": "11:00"}
    )
    assert by_time.status_code == 422
    assert "new_time_slot_id" in by_time.json()["detail"]
    appointment = await owner_appointment(client)
    by_slot = await client.put(
        f"/api/v1/bookings/{appointment['booking_token']}",
        json={"new_time_slot_id": booking["time_slot_id"]},
    )
    assert by_slot.status_code == 422
    assert "new_time" in by_slot.json()["detail"]


# --- cancelling --------------------------------------------------------------------------


async def test_cancelling_frees_the_seat_at_once(client):
    event, booking = await seat(client, ("09:00", "10:00", 1))
    slot_id = booking["time_slot_id"]
    assert (await book_seat(client, slot_id, "Late")).status_code == 409
    response = await client.delete(f"/api/v1/bookings/{booking['booking_token']}")
    assert response.status_code == 204
    assert response.content == b""
    assert await slot_counts(client, event["id"]) == {slot_id: 0}
    assert (await book_seat(client, slot_id, "Late")).status_code == 201


async def test_a_cancelled_booking_still_reads_but_cannot_change_again(client):
    event, booking = await seat(client, ("09:00", "10:00", 5), ("10:00", "11:00", 5))
    token = booking["booking_token"]
    await client.delete(f"/api/v1/bookings/{token}")
    shown = await client.get(f"/api/v1/bookings/{token}")
    assert shown.status_code == 200
    assert shown.json()["status"] == "cancelled"
    again = await client.delete(f"/api/v1/bookings/{token}")
    assert again.status_code == 409
    assert again.json()["detail"] == "This booking is cancelled and can no longer be changed"
    moved = await client.put(
        f"/api/v1/bookings/{token}", json={"new_time_slot_id": event["time_slots"][1]["id"]}
    )
    assert moved.status_code == 409
    assert set((await slot_counts(client, event["id"])).values()) == {0}


# --- the cut-off -------------------------------------------------------------------------


async def test_no_change_within_the_events_cut_off(client, clock: FrozenClock):
    event, booking = await seat(
        client, ("09:00", "10:00", 5), ("11:00", "12:00", 5), change_cutoff_minutes=120
    )
    token, later = booking["booking_token"], event["time_slots"][1]["id"]
    at(clock, 7, 1)  # 119 minutes before 09:00
    for response in (
        await client.put(f"/api/v1/bookings/{token}", json={"new_time_slot_id": later}),
        await client.delete(f"/api/v1/bookings/{token}"),
    ):
        assert response.status_code == 409
        assert "120 minutes before the start" in response.json()["detail"]
    assert (await client.get(f"/api/v1/bookings/{token}")).json()["time_slot_id"] == (
        booking["time_slot_id"]
    )
    at(clock, 7, 0)  # exactly 120 minutes before: still allowed
    moved = await client.put(f"/api/v1/bookings/{token}", json={"new_time_slot_id": later})
    assert moved.status_code == 200


async def test_a_booking_that_has_started_cannot_be_changed(client, clock: FrozenClock):
    _, booking = await seat(client)
    at(clock, 9, 0)
    response = await client.delete(f"/api/v1/bookings/{booking['booking_token']}")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "This booking has already started and can no longer be changed"
    )


async def test_owners_and_providers_can_set_a_cut_off_too(client, clock: FrozenClock):
    appointment = await owner_appointment(client, change_cutoff_minutes=60 * 24)
    _, provider_made = await provider_booking(client, change_cutoff_minutes=30)
    at(clock, 10, 1, day=19)  # a minute less than a day before both bookings
    owner_cancel = await client.delete(f"/api/v1/bookings/{appointment['booking_token']}")
    assert owner_cancel.status_code == 409
    assert "1440 minutes" in owner_cancel.json()["detail"]
    provider_cancel = await client.delete(f"/api/v1/bookings/{provider_made['booking_token']}")
    assert provider_cancel.status_code == 204


# --- bookings made on surfaces 001 and 002 -----------------------------------------------


async def test_an_owner_appointment_is_read_moved_and_cancelled_by_its_token(client):
    made = await owner_appointment(client)
    token = made["booking_token"]
    shown = await client.get(f"/api/v1/bookings/{token}")
    assert shown.status_code == 200
    assert (
        shown.json().items()
        >= {
            "id": made["appointment_id"],
            "attendee_name": "Bob",
            "email": "bob@example.com",
            "calendar_kind": "owner",
            "date": DAY,
            "start_time": "10:00:00",
            "end_time": "11:00:00",
            "status": "confirmed",
        }.items()
    )
    moved = await client.put(f"/api/v1/bookings/{token}", json={"new_time": "14:00"})
    assert moved.status_code == 200
    assert (moved.json()["id"], moved.json()["start_time"]) == (made["appointment_id"], "14:00:00")
    free = await owner_slots(client)
    assert "10:00" in free and "14:00" not in free
    listing = await client.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert [(a["id"], a["start_time"]) for a in listing.json()] == [
        (made["appointment_id"], "14:00")
    ]
    assert (await client.delete(f"/api/v1/bookings/{token}")).status_code == 204
    assert "14:00" in await owner_slots(client)
    listing = await client.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert listing.json() == []


async def test_moving_an_appointment_onto_a_taken_or_closed_hour_leaves_it_in_place(client):
    made = await owner_appointment(client)
    await owner_appointment(client, start="12:00")
    token = made["booking_token"]
    taken = await client.put(f"/api/v1/bookings/{token}", json={"new_time": "12:00"})
    assert taken.status_code == 409
    assert taken.json()["detail"] == "Slot already booked"
    closed = await client.put(f"/api/v1/bookings/{token}", json={"new_time": "18:00"})
    assert closed.status_code == 400
    assert closed.json()["detail"] == "Invalid time"
    past = await client.put(
        f"/api/v1/bookings/{token}", json={"new_date": "2031-01-14", "new_time": "10:00"}
    )
    assert past.status_code == 400
    shown = await client.get(f"/api/v1/bookings/{token}")
    assert (shown.json()["date"], shown.json()["start_time"]) == (DAY, "10:00:00")
    assert "10:00" not in await owner_slots(client)


async def test_a_provider_booking_moves_to_another_date_and_time(client):
    provider, made = await provider_booking(client)
    token = made["booking_token"]
    moved = await client.put(
        f"/api/v1/bookings/{token}", json={"new_date": "2031-01-21", "new_time": "15:30"}
    )
    assert moved.status_code == 200
    listing = await client.get("/api/v1/bookings", params={"provider_id": provider["id"]})
    assert [(b["id"], b["date"], b["time"]) for b in listing.json()] == [
        (made["id"], "2031-01-21", "15:30:00")
    ]


async def test_a_provider_booking_may_move_onto_part_of_its_own_time(client):
    provider, made = await provider_booking(client)
    token = made["booking_token"]
    later = await client.put(f"/api/v1/bookings/{token}", json={"new_time": "10:30"})
    assert later.status_code == 200
    other = await client.post(
        "/api/v1/bookings", json={"provider_id": provider["id"], "date": DAY, "time": "11:30"}
    )
    assert other.status_code == 201
    clash = await client.put(f"/api/v1/bookings/{token}", json={"new_time": "11:00"})
    assert clash.status_code == 409
    assert (await client.get(f"/api/v1/bookings/{token}")).json()["start_time"] == "10:30:00"


async def test_a_cancelled_provider_booking_frees_its_time(client):
    provider, made = await provider_booking(client)
    assert (await client.delete(f"/api/v1/bookings/{made['booking_token']}")).status_code == 204
    again = await client.post(
        "/api/v1/bookings", json={"provider_id": provider["id"], "date": DAY, "time": "10:00"}
    )
    assert again.status_code == 201
