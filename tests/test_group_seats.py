"""Group seats on events (surface 003): several places in one booking, all or none."""

import pytest

from tests.support.events import book_seat, create_event, slot_counts


async def test_a_booking_takes_several_places_at_once(client):
    event = await create_event(client, ("09:00", "10:00", 5))
    slot_id = event["time_slots"][0]["id"]
    made = await book_seat(client, slot_id, seats=3)
    assert made.status_code == 201
    assert made.json()["seats"] == 3
    assert await slot_counts(client, event["id"]) == {slot_id: 3}
    also = await book_seat(client, slot_id, number_of_seats=2)
    assert (also.status_code, also.json()["seats"]) == (201, 2)
    assert (await book_seat(client, slot_id)).json()["detail"] == "Time slot is full"


async def test_too_few_places_left_takes_none(client):
    event = await create_event(client, ("09:00", "10:00", 5))
    slot_id = event["time_slots"][0]["id"]
    assert (await book_seat(client, slot_id, seats=3)).status_code == 201
    refused = await book_seat(client, slot_id, seats=3)
    assert (refused.status_code, refused.json()["detail"]) == (409, "Only 2 places left")
    assert refused.json()["code"] == "too_few_seats"
    assert await slot_counts(client, event["id"]) == {slot_id: 3}
    assert (await book_seat(client, slot_id, number_of_seats=2)).status_code == 201


@pytest.mark.parametrize(
    ("extra", "status", "named"),
    [
        ({"seats": 0}, 422, "seats: Input should be greater than or equal to 1"),
        ({"number_of_seats": -2}, 422, "number_of_seats: Input should be greater than"),
        ({"seats": 11}, 422, "seats: at most 10 places per booking for this event"),
        ({"seats": 2, "number_of_seats": 3}, 422, "seats and number_of_seats disagree"),
        ({"seats": "many"}, 422, "seats: Input should be a valid integer"),
    ],
)
async def test_a_bad_number_of_places_is_refused(client, extra, status, named):
    event = await create_event(client, ("09:00", "10:00", 50))
    slot_id = event["time_slots"][0]["id"]
    refused = await book_seat(client, slot_id, **extra)
    assert refused.status_code == status
    assert named in refused.json()["detail"]
    assert await slot_counts(client, event["id"]) == {slot_id: 0}


async def test_the_events_max_seats_per_booking_is_a_setting(client):
    event = await create_event(client, ("09:00", "10:00", 50), max_seats_per_booking=4)
    assert event["max_seats_per_booking"] == 4
    slot_id = event["time_slots"][0]["id"]
    assert (await book_seat(client, slot_id, seats=5)).status_code == 422
    patched = await client.patch(
        f"/api/v1/calendars/{event['id']}/settings", json={"max_seats_per_booking": 20}
    )
    assert patched.status_code == 200
    assert (await book_seat(client, slot_id, seats=20)).status_code == 201
    assert (await book_seat(client, slot_id, seats=21)).status_code == 422


async def test_moving_and_cancelling_move_and_free_every_place(client):
    event = await create_event(client, ("09:00", "10:00", 5), ("11:00", "12:00", 4))
    first, second = (s["id"] for s in event["time_slots"])
    token = (await book_seat(client, first, seats=3)).json()["booking_token"]
    assert (await book_seat(client, second, seats=2)).status_code == 201
    full = await client.put(f"/api/v1/bookings/{token}", json={"new_time_slot_id": second})
    assert full.status_code == 409  # 2 left there, 3 needed: it stays
    assert await slot_counts(client, event["id"]) == {first: 3, second: 2}
    await client.delete("/api/v1/bookings/" + token)
    assert await slot_counts(client, event["id"]) == {first: 0, second: 2}


async def test_an_event_that_requires_approval_holds_the_places_while_pending(client):
    event = await create_event(client, ("09:00", "10:00", 4))
    slot_id = event["time_slots"][0]["id"]
    await client.patch(
        f"/api/v1/calendars/{event['id']}/settings", json={"requires_approval": True}
    )
    made = await book_seat(client, slot_id, seats=3)
    assert made.json()["status"] == "pending"
    assert await slot_counts(client, event["id"]) == {slot_id: 3}
    declined = await client.post(f"/api/v1/bookings/{made.json()['id']}/decline")
    assert declined.json()["status"] == "declined"
    assert await slot_counts(client, event["id"]) == {slot_id: 0}


async def test_an_events_limits_count_bookings_not_places(client):
    event = await create_event(client, ("09:00", "10:00", 10), ("11:00", "12:00", 10))
    first, second = (s["id"] for s in event["time_slots"])
    rules = {"max_per_day": 2, "max_per_booker_per_day": 1}
    patched = await client.patch(f"/api/v1/calendars/{event['id']}/settings", json=rules)
    assert patched.status_code == 200, patched.text
    assert (await book_seat(client, first, email="ada@example.com", seats=4)).status_code == 201
    again = await book_seat(client, second, email="ADA@example.com")
    assert (again.status_code, again.json()["detail"]) == (
        409,
        "Daily limit of 1 booking per booker reached for 2031-01-20",
    )
    assert (await book_seat(client, second, "Bea", email="bea@example.com")).status_code == 201
    full = await book_seat(client, first, "Cy", email="cy@example.com")
    assert (full.status_code, full.json()["code"]) == (409, "limit_reached")
    assert full.json()["detail"] == "Daily limit of 2 bookings reached for 2031-01-20"
    assert await slot_counts(client, event["id"]) == {first: 4, second: 1}


async def test_a_move_takes_every_place_to_the_new_slot(client):
    event = await create_event(client, ("09:00", "10:00", 5), ("11:00", "12:00", 4))
    first, second = (s["id"] for s in event["time_slots"])
    token = (await book_seat(client, first, seats=3)).json()["booking_token"]
    moved = await client.put(f"/api/v1/bookings/{token}", json={"new_time_slot_id": second})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["time_slot_id"], moved.json()["seats"]) == (second, 3)
    assert await slot_counts(client, event["id"]) == {first: 0, second: 3}
    assert (await book_seat(client, second, seats=2)).json()["detail"] == "Only 1 place left"
