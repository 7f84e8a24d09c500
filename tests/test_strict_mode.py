"""SLOTBOOK_AUTH=strict: owner-side writes of surfaces 001 and 002 need the calendar
owner's or an admin's token; booking stays open."""

import pytest

from tests.support.accounts import sign_up

DAY = "2031-01-20"
HOURS = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
APPOINTMENT = {
    "calendar_owner_id": "alice",
    "invitee_name": "Bob",
    "invitee_email": "bob@example.com",
    "date": DAY,
    "slot_start_time": "10:00",
}


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"auth": "strict"})


async def test_setting_hours_needs_a_token_and_makes_the_signer_the_owner(client):
    anonymous = await client.post("/api/v1/availability", json=HOURS)
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] == "Not authenticated"
    alice = await sign_up(client, "patient", "alice@example.com")
    created = await client.post("/api/v1/availability", json=HOURS, headers=alice.headers)
    assert created.status_code == 200
    mallory = await sign_up(client, "patient", "mallory@example.com")
    takeover = await client.post(
        "/api/v1/availability", json=HOURS | {"start_time": "10:00"}, headers=mallory.headers
    )
    assert takeover.status_code == 403
    admin = await sign_up(client, "admin")
    by_admin = await client.post(
        "/api/v1/availability", json=HOURS | {"start_time": "12:00"}, headers=admin.headers
    )
    assert by_admin.status_code == 200
    slots = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": DAY}
    )
    assert slots.json()["available_slots"][0] == "12:00"


async def test_a_user_owns_one_calendar_admins_create_any_number(client):
    provider = await sign_up(client, "provider")  # owns their provider calendar already
    refused = await client.post("/api/v1/availability", json=HOURS, headers=provider.headers)
    assert refused.status_code == 403
    admin = await sign_up(client, "admin")
    for owner in ("alice", "bob"):
        body = HOURS | {"calendar_owner_id": owner}
        assert (
            await client.post("/api/v1/availability", json=body, headers=admin.headers)
        ).status_code == 200


async def test_booking_and_reading_slots_stay_open(client):
    alice = await sign_up(client, "patient", "alice@example.com")
    await client.post("/api/v1/availability", json=HOURS, headers=alice.headers)
    slots = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": DAY}
    )
    assert slots.status_code == 200
    booked = await client.post("/api/v1/appointments", json=APPOINTMENT)
    assert booked.status_code == 200


async def test_listing_a_calendars_appointments_is_for_its_owner_or_an_admin(client):
    alice = await sign_up(client, "patient", "alice@example.com")
    await client.post("/api/v1/availability", json=HOURS, headers=alice.headers)
    await client.post("/api/v1/appointments", json=APPOINTMENT)
    params = {"calendar_owner_id": "alice"}
    assert (await client.get("/api/v1/appointments", params=params)).status_code == 401
    mallory = await sign_up(client, "patient", "mallory@example.com")
    snooping = await client.get("/api/v1/appointments", params=params, headers=mallory.headers)
    assert snooping.status_code == 403
    own = await client.get("/api/v1/appointments", params=params, headers=alice.headers)
    assert [a["invitee_name"] for a in own.json()] == ["Bob"]
    admin = await sign_up(client, "admin")
    by_admin = await client.get("/api/v1/appointments", params=params, headers=admin.headers)
    assert by_admin.json() == own.json()


async def test_creating_a_provider_needs_a_token(client):
    body = {"name": "Dr Who", "email": "who@example.com"}
    anonymous = await client.post("/api/v1/providers", json=body)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "Not authenticated"
    admin = await sign_up(client, "admin")
    created = await client.post("/api/v1/providers", json=body, headers=admin.headers)
    assert created.status_code == 201


async def test_a_providers_bookings_are_for_its_owner_or_an_admin(client):
    owner = await sign_up(client, "patient", "owner@example.com")
    provider = await client.post(
        "/api/v1/providers",
        json={"name": "Dr Who", "email": "who@example.com"},
        headers=owner.headers,
    )
    provider_id = provider.json()["id"]
    booked = await client.post(
        "/api/v1/bookings", json={"provider_id": provider_id, "date": DAY, "time": "10:00"}
    )
    assert booked.status_code == 201  # booking stays open
    params = {"provider_id": provider_id}
    assert (await client.get("/api/v1/bookings", params=params)).status_code == 401
    other = await sign_up(client, "patient", "other@example.com")
    assert (
        await client.get("/api/v1/bookings", params=params, headers=other.headers)
    ).status_code == 403
    own = await client.get("/api/v1/bookings", params=params, headers=owner.headers)
    assert [b["id"] for b in own.json()] == [booked.json()["id"]]
    everyone = await client.get("/api/v1/bookings", headers=owner.headers)
    assert everyone.status_code == 403
    admin = await sign_up(client, "admin")
    assert len((await client.get("/api/v1/bookings", headers=admin.headers)).json()) == 1


async def test_creating_an_event_needs_a_token(client):
    body = {
        "name": "Workshop",
        "event_date": "2031-02-01",
        "time_slots": [{"start_time": "10:00", "end_time": "11:00", "max_capacity": 5}],
    }
    anonymous = await client.post("/api/v1/events", json=body)
    assert anonymous.status_code == 401
    admin = await sign_up(client, "admin")
    created = await client.post("/api/v1/events", json=body, headers=admin.headers)
    assert created.status_code == 201
    slot_id = created.json()["time_slots"][0]["id"]
    seat = await client.post(
        "/api/v1/bookings", json={"attendee_name": "Ann", "time_slot_id": slot_id}
    )
    assert seat.status_code == 201  # booking stays open
