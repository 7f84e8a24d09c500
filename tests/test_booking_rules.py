"""Booking rules on calendar time, through the API: buffers, daily/weekly and per-booker
limits, separate cancel and move cut-offs, and approval. Each refusal names its rule;
the races are in test_concurrency_rules."""

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from slotbook.engine import Engine
from slotbook.jobs.sweeper import sweep
from slotbook.store.db import Database
from slotbook.store.tables import booking_counts
from tests.support.accounts import Account, sign_up
from tests.support.clock import FrozenClock
from tests.support.owners import DAY, appointment, owner_calendar, set_rules
from tests.support.reservations import WEEKDAYS_9_TO_5, at

TUESDAY = "2031-01-21"
NEXT_MONDAY = "2031-01-27"


async def owner(client: httpx.AsyncClient, **rules: object) -> int:
    """Surface 001's owner alice, 08:00-18:00 UTC with `rules`; her calendar's id."""
    return await owner_calendar(client, hours=("08:00", "18:00"), **rules)


async def book(
    client: httpx.AsyncClient, hour: str, day: str = DAY, email: str = "bob@example.com"
) -> httpx.Response:
    return await appointment(client, hour, day, email=email)


# --- buffers ---------------------------------------------------------------------------


async def test_a_booking_may_not_start_inside_anothers_buffer(client):
    await owner(client, buffer_after_minutes=30)
    assert (await book(client, "10:00")).status_code == 200
    refused = await book(client, "11:00")  # starts inside 10:00-11:00's 30 minutes after
    assert refused.status_code == 409
    assert refused.json()["code"] == "inside_buffer"
    assert "30 minutes after each booking" in refused.json()["detail"]
    assert (await book(client, "12:00")).status_code == 200


async def test_a_booking_may_not_put_its_own_buffer_over_another(client):
    await owner(client, buffer_before_minutes=15)
    assert (await book(client, "10:00")).status_code == 200
    assert (await book(client, "11:00")).json()["code"] == "inside_buffer"  # its 10:45-11:00
    # 09:00-10:00 would run into 10:00's own 09:45-10:00 buffer
    assert (await book(client, "09:00")).json()["code"] == "inside_buffer"
    assert (await book(client, "08:00")).status_code == 200
    taken = await book(client, "10:00")
    assert (taken.status_code, taken.json()["detail"]) == (409, "Slot already booked")


async def test_changing_buffers_keeps_existing_bookings_and_binds_new_ones(client):
    calendar_id = await owner(client)
    assert (await book(client, "10:00")).status_code == 200
    assert (await book(client, "11:00")).status_code == 200  # back to back, no buffers
    await set_rules(client, calendar_id, buffer_before_minutes=15, buffer_after_minutes=15)
    assert (await book(client, "12:00")).json()["code"] == "inside_buffer"
    assert (await book(client, "13:00")).status_code == 200
    listed = await client.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert [a["start_time"] for a in listed.json()] == ["10:00", "11:00", "13:00"]


async def test_a_move_keeps_clear_of_other_bookings_buffers(client):
    await owner(client, buffer_after_minutes=30)
    assert (await book(client, "10:00")).status_code == 200
    token = (await book(client, "13:00")).json()["booking_token"]
    refused = await client.put(f"/api/v1/bookings/{token}", json={"new_time": "11:00"})
    assert (refused.status_code, refused.json()["code"]) == (409, "inside_buffer")
    shown = await client.get(f"/api/v1/bookings/{token}")
    assert shown.json()["start_time"] == "13:00:00"
    assert (await client.put(f"/api/v1/bookings/{token}", json={"new_time": "12:00"})).is_success


# --- limits ----------------------------------------------------------------------------


async def test_a_day_at_its_limit_takes_no_more_and_a_cancellation_frees_a_place(client):
    await owner(client, max_per_day=2)
    first = await book(client, "09:00")
    assert (await book(client, "10:00")).status_code == 200
    refused = await book(client, "11:00")
    assert (refused.status_code, refused.json()["detail"]) == (
        409,
        "Daily limit of 2 bookings reached for 2031-01-20",
    )
    assert refused.json()["code"] == "limit_reached"
    assert (await book(client, "11:00", TUESDAY)).status_code == 200  # another day
    cancelled = await client.delete(f"/api/v1/bookings/{first.json()['booking_token']}")
    assert cancelled.status_code == 204
    assert (await book(client, "11:00")).status_code == 200


async def test_a_week_from_monday_at_its_limit_takes_no_more(client):
    await owner(client, max_per_week=2)
    assert (await book(client, "09:00")).status_code == 200
    assert (await book(client, "09:00", TUESDAY)).status_code == 200
    refused = await book(client, "10:00", "2031-01-26")  # the Sunday of that week
    assert refused.json()["detail"] == (
        "Weekly limit of 2 bookings reached for the week of 2031-01-20"
    )
    assert (await book(client, "10:00", NEXT_MONDAY)).status_code == 200


async def test_a_booker_is_followed_by_email_in_any_case(client):
    await owner(client, max_per_booker_per_day=1)
    assert (await book(client, "09:00", email="Bob@Example.com")).status_code == 200
    refused = await book(client, "10:00", email="bob@example.COM")
    assert refused.json()["detail"] == (
        "Daily limit of 1 booking per booker reached for 2031-01-20"
    )
    assert (await book(client, "10:00", email="carol@example.com")).status_code == 200
    assert (await book(client, "10:00", TUESDAY, email="bob@example.com")).status_code == 200


async def test_a_signed_in_patient_is_followed_by_account(client):
    provider = await sign_up(client, "provider")
    ada, bea = await sign_up(client, "patient", "ada@x.io"), await sign_up(client, "patient")
    admin = await sign_up(client, "admin")
    calendar_id = (await client.get("/providers", headers=admin.headers)).json()[0]["calendar_id"]
    hours = f"/providers/{provider.id}/availability"
    assert (await client.post(hours, json=WEEKDAYS_9_TO_5, headers=provider.headers)).is_success
    await set_rules(client, calendar_id, headers=provider.headers, max_per_booker_per_day=1)

    async def reserve(patient: Account, clock: str) -> httpx.Response:
        body = {"provider_id": provider.id, "start_time": at(DAY, clock)}
        return await client.post("/appointments/reserve", json=body, headers=patient.headers)

    assert (await reserve(ada, "10:00")).status_code == 200
    refused = await reserve(ada, "11:00")
    assert (refused.status_code, refused.json()["detail"]) == (
        409,
        "Daily limit of 1 booking per booker reached for 2031-01-20",
    )
    assert (await reserve(bea, "11:00")).status_code == 200


async def test_a_limit_set_later_counts_the_bookings_already_made(client, database_url):
    calendar_id = await owner(client)
    for hour in ("09:00", "10:00", "11:00"):
        assert (await book(client, hour)).status_code == 200
    await set_rules(client, calendar_id, max_per_day=2)  # already above it: nobody refused
    assert (await book(client, "12:00")).json()["code"] == "limit_reached"
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(booking_counts.c.period, booking_counts.c.taken))
            assert sorted(rows) == [("day", 3)]
    finally:
        await engine.dispose()
    await set_rules(client, calendar_id, max_per_day=None)
    assert (await book(client, "12:00")).status_code == 200


async def test_a_new_time_zone_counts_the_days_anew(client):
    calendar_id = await owner(client, max_per_day=1)
    assert (await book(client, "08:00")).status_code == 200  # 08:00 UTC on the 20th
    # in Pacific/Pago_Pago (UTC-11) that booking is on the 19th, at 21:00
    await set_rules(client, calendar_id, timezone="Pacific/Pago_Pago")
    made = await book(client, "17:00")  # 17:00 on the 20th there: a day with no booking
    assert made.status_code == 200, made.text
    refused = await book(client, "16:00")
    assert refused.json()["detail"] == "Daily limit of 1 booking reached for 2031-01-20"


async def test_a_move_to_a_full_day_is_refused_and_the_booking_stays(client):
    await owner(client, max_per_day=1)
    monday = (await book(client, "09:00")).json()
    assert (await book(client, "09:00", TUESDAY)).status_code == 200
    token = monday["booking_token"]
    refused = await client.put(
        f"/api/v1/bookings/{token}", json={"new_date": TUESDAY, "new_time": "10:00"}
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Daily limit of 1 booking reached for 2031-01-21"
    same_day = await client.put(f"/api/v1/bookings/{token}", json={"new_time": "10:00"})
    assert same_day.status_code == 200


# --- cut-offs ----------------------------------------------------------------------------


async def test_cancel_and_move_cutoffs_are_separate_and_say_until_when(client, clock: FrozenClock):
    calendar_id = await owner(client)
    await set_rules(client, calendar_id, cancel_cutoff_minutes=24 * 60, move_cutoff_minutes=60)
    token = (await book(client, "10:00")).json()["booking_token"]
    clock.set(clock.now.replace(day=19, hour=12))  # 22 hours before
    cancel = await client.delete(f"/api/v1/bookings/{token}")
    assert (cancel.status_code, cancel.json()["code"]) == (409, "cancel_cutoff")
    assert cancel.json()["detail"] == (
        "Bookings cannot be cancelled less than 1440 minutes before the start; "
        "this one could be cancelled until 2031-01-19T10:00:00+00:00"
    )
    moved = await client.put(f"/api/v1/bookings/{token}", json={"new_time": "11:00"})
    assert moved.status_code == 200
    clock.set(clock.now.replace(day=20, hour=10, minute=30))  # 30 minutes before 11:00
    late = await client.put(f"/api/v1/bookings/{token}", json={"new_time": "12:00"})
    assert (late.status_code, late.json()["code"]) == (409, "move_cutoff")
    assert "until 2031-01-20T10:00:00+00:00" in late.json()["detail"]


# --- approval ----------------------------------------------------------------------------


async def test_a_pending_booking_holds_its_time_until_approved(client):
    await owner(client, requires_approval=True)
    made = await book(client, "10:00")
    assert made.json()["message"] == "Appointment requested: pending the owner's approval"
    assert made.json()["status"] == "pending"
    assert (await book(client, "10:00")).status_code == 409
    booking_id = made.json()["appointment_id"]
    approved = await client.post(f"/api/v1/bookings/{booking_id}/approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == "confirmed"
    again = await client.post(f"/api/v1/bookings/{booking_id}/decline")
    assert (again.status_code, again.json()["code"]) == (409, "not_pending")
    assert again.json()["detail"] == "This booking is confirmed, not pending"
    shown = await client.get(f"/api/v1/bookings/{made.json()['booking_token']}")
    assert shown.json()["status"] == "confirmed"


async def test_a_declined_booking_frees_its_time_at_once(client):
    await owner(client, requires_approval=True, max_per_day=1)
    made = await book(client, "10:00")
    declined = await client.post(f"/api/v1/bookings/{made.json()['appointment_id']}/decline")
    assert declined.json()["status"] == "declined"
    assert (await book(client, "10:00")).status_code == 200  # time and daily place free


async def test_the_sweeper_declines_bookings_pending_past_the_timeout(
    client, settings, clock: FrozenClock
):
    await owner(client, requires_approval=True, approval_timeout_minutes=60)
    token = (await book(client, "10:00")).json()["booking_token"]
    engine = Engine(settings, Database(settings.database_url), clock)
    try:
        clock.advance(minutes=59)
        assert await sweep(engine) == 0
        clock.advance(minutes=1)
        assert await sweep(engine) == 1
    finally:
        await engine.db.dispose()
    assert (await client.get(f"/api/v1/bookings/{token}")).json()["status"] == "declined"
    assert (await book(client, "10:00")).status_code == 200


async def test_an_unknown_booking_cannot_be_approved(client):
    response = await client.post("/api/v1/bookings/12345/approve")
    assert (response.status_code, response.json()["detail"]) == (404, "Booking not found")


@pytest.mark.parametrize("verb", ["approve", "decline"])
async def test_a_providers_pending_reservation_is_decided_by_the_provider(client, verb):
    admin = await sign_up(client, "admin")
    provider = await sign_up(client, "provider")
    patient = await sign_up(client, "patient")
    calendar_id = (await client.get("/providers", headers=admin.headers)).json()[0]["calendar_id"]
    hours = await client.post(
        f"/providers/{provider.id}/availability", json=WEEKDAYS_9_TO_5, headers=provider.headers
    )
    assert hours.status_code == 200
    change = {"requires_approval": True}
    settings = await client.patch(
        f"/api/v1/calendars/{calendar_id}/settings", json=change, headers=provider.headers
    )
    assert settings.status_code == 200
    held = await client.post(
        "/appointments/reserve",
        json={"provider_id": provider.id, "start_time": at(DAY, "10:00")},
        headers=patient.headers,
    )
    slot_id = held.json()["slot_id"]
    confirmed = await client.post(
        "/appointments/confirm", json={"slot_id": slot_id}, headers=patient.headers
    )
    assert confirmed.json() == {
        "message": "Reservation confirmed; pending the provider's approval",
        "slot_id": slot_id,
        "status": "pending",
    }
    booked = await client.get(
        f"/providers/{provider.id}/booked-appointments", headers=provider.headers
    )
    assert [a["status"] for a in booked.json()] == ["pending"]
    path = f"/api/v1/bookings/{slot_id}/{verb}"
    assert (await client.post(path)).status_code == 401
    assert (await client.post(path, headers=patient.headers)).status_code == 403
    decided = await client.post(path, headers=provider.headers)
    assert decided.json()["status"] == ("confirmed" if verb == "approve" else "declined")


# --- every surface that books calendar time ----------------------------------------------


async def test_the_pages_api_keeps_the_buffers_and_says_a_booking_is_pending(client):
    calendar_id = await owner(client, buffer_after_minutes=30, requires_approval=True)
    path = f"/api/v1/calendars/{calendar_id}/bookings"

    async def book_on_page(hour: str) -> httpx.Response:
        body = {"start_at": f"{DAY}T{hour}:00+00:00", "name": "Bob", "email": "bob@example.com"}
        return await client.post(path, json=body)

    made = await book_on_page("10:00")
    assert (made.status_code, made.json()["status"]) == (201, "pending")
    refused = await book_on_page("11:00")
    assert (refused.status_code, refused.json()["code"]) == (409, "inside_buffer")
    assert "30 minutes after each booking" in refused.json()["detail"]
    assert (await book_on_page("12:00")).status_code == 201


async def test_a_providers_booking_keeps_the_limit_and_says_it_is_pending(client):
    made = await client.post("/api/v1/providers", json={"name": "Dr P", "email": "p@x.io"})
    provider_id = made.json()["id"]
    await set_rules(client, provider_id, max_per_day=1, requires_approval=True)
    body = {"provider_id": provider_id, "date": DAY, "time": "10:00"}
    first = await client.post("/api/v1/bookings", json=body)
    assert (first.status_code, first.json()["status"]) == (201, "pending")
    second = await client.post("/api/v1/bookings", json=body | {"time": "14:00"})
    assert (second.status_code, second.json()["code"]) == (409, "limit_reached")
    assert second.json()["error"] == "Daily limit of 1 booking reached for 2031-01-20"
