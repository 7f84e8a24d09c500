"""Surface 004: provider availability, time slots, reserve -> confirm -> cancel, holds."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from slotbook.engine import CalendarDay, Engine
from slotbook.jobs.sweeper import sweep
from slotbook.store.db import Database
from tests.support.accounts import Account, sign_up
from tests.support.clock import FrozenClock
from tests.support.reservations import DAY, WEEKDAYS_9_TO_5, at

SATURDAY = "2031-01-18"


async def set_availability(
    client: httpx.AsyncClient, provider: Account, body: dict | None = None
) -> httpx.Response:
    return await client.post(
        f"/providers/{provider.id}/availability",
        json=WEEKDAYS_9_TO_5 if body is None else body,
        headers=provider.headers,
    )


async def slots(
    client: httpx.AsyncClient, who: Account, provider_id: int, first: str = DAY, last: str = DAY
) -> httpx.Response:
    return await client.get(
        f"/providers/{provider_id}/time-slots",
        params={"start_date": first, "end_date": last},
        headers=who.headers,
    )


async def starts(client: httpx.AsyncClient, who: Account, provider_id: int, **kw: str) -> list:
    response = await slots(client, who, provider_id, **kw)
    assert response.status_code == 200, response.text
    return [s["start_time"][11:16] for s in response.json()]


async def reserve(
    client: httpx.AsyncClient, patient: Account, provider_id: int, start: str, **kw: object
) -> httpx.Response:
    return await client.post(
        "/appointments/reserve",
        json={"provider_id": provider_id, "start_time": start},
        headers=patient.headers,
        **kw,
    )


async def post(client: httpx.AsyncClient, path: str, who: Account, slot_id: int):
    return await client.post(path, json={"slot_id": slot_id}, headers=who.headers)


async def appointments(client: httpx.AsyncClient, who: Account, provider_id: int) -> list:
    response = await client.get(
        f"/providers/{provider_id}/booked-appointments",
        params={"start_date": DAY, "end_date": DAY},
        headers=who.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def settings(settings):
    """Tokens that outlive the hours these tests move the clock by."""
    return settings.model_copy(update={"access_token_expire_minutes": 7 * 24 * 60})


@pytest.fixture
async def provider(client) -> Account:
    account = await sign_up(client, "provider", "doc@example.com", name="Dr Doc")
    assert (await set_availability(client, account)).status_code == 200
    return account


@pytest.fixture
async def patient(client) -> Account:
    return await sign_up(client, "patient", "pat@example.com", name="Pat")


async def test_availability_is_offered_in_15_minute_slots(client, provider, patient):
    response = await slots(client, patient, provider.id)
    assert response.status_code == 200
    offered = response.json()
    assert len(offered) == 32
    assert offered[0] == {
        "id": int(datetime(2031, 1, 20, 9, tzinfo=UTC).timestamp()) // 60,
        "provider_id": provider.id,
        "start_time": at(DAY, "09:00"),
        "end_time": at(DAY, "09:15"),
        "status": "available",
    }
    assert offered[-1]["start_time"] == at(DAY, "16:45")


async def test_setting_availability_answers_as_documented(client):
    provider = await sign_up(client, "provider")
    response = await set_availability(client, provider)
    assert response.status_code == 200
    assert response.json() == {"message": "Availability set successfully"}


@pytest.mark.parametrize(
    ("days", "start", "end", "open_on_monday", "open_on_saturday"),
    [
        ("M", "9am", "10am", ["09:00", "09:15", "09:30", "09:45"], []),
        ("Sa", "9:30am", "10:00", [], ["09:30", "09:45"]),
        ("F-M", "12pm", "12:30pm", ["12:00", "12:15"], ["12:00", "12:15"]),
        ("M,W,Sa", "17:00", "5:30pm", ["17:00", "17:15"], ["17:00", "17:15"]),
        ("Th", "9am", "5pm", [], []),
    ],
)
async def test_day_codes_and_times_in_the_documented_notation(
    client, patient, days, start, end, open_on_monday, open_on_saturday
):
    provider = await sign_up(client, "provider")
    body = {"general_schedule": {"times": [{"days": days, "start": start, "end": end}]}}
    assert (await set_availability(client, provider, body)).status_code == 200
    assert await starts(client, patient, provider.id) == open_on_monday
    saturday = await starts(client, patient, provider.id, first=SATURDAY, last=SATURDAY)
    assert saturday == open_on_saturday


async def test_the_general_schedule_holds_from_its_start_date_to_its_end_date(client, patient):
    provider = await sign_up(client, "provider")
    body = {
        "general_schedule": {
            "start_date": "2031-01-21",
            "end_date": "2031-01-22",
            "times": [{"days": "M-F", "start": "9am", "end": "9:15am"}],
        }
    }
    await set_availability(client, provider, body)
    week = await slots(client, patient, provider.id, first="2031-01-20", last="2031-01-24")
    assert [s["start_time"][:10] for s in week.json()] == ["2031-01-21", "2031-01-22"]


async def test_exceptions_close_or_replace_a_date_and_manual_slots_add_hours(
    client, provider, patient
):
    body = WEEKDAYS_9_TO_5 | {
        "exceptions": [
            {"date": "2031-01-20", "times": []},
            {"date": "2031-01-21", "times": [{"start": "1pm", "end": "1:30pm"}]},
        ],
        "manual_appointment_slots": [
            {"date": "2031-01-18", "times": [{"start": "10am", "end": "10:30am"}]},
            {"date": "2031-01-22", "times": [{"start": "6pm", "end": "6:15pm"}]},
        ],
    }
    assert (await set_availability(client, provider, body)).status_code == 200
    assert await starts(client, patient, provider.id, first=DAY, last=DAY) == []
    assert await starts(client, patient, provider.id, first="2031-01-21", last="2031-01-21") == [
        "13:00",
        "13:15",
    ]
    saturday = await starts(client, patient, provider.id, first=SATURDAY, last=SATURDAY)
    assert saturday == ["10:00", "10:15"]
    wednesday = await starts(client, patient, provider.id, first="2031-01-22", last="2031-01-22")
    assert len(wednesday) == 33 and wednesday[-1] == "18:00"


@pytest.mark.parametrize(
    ("times", "problem"),
    [
        ({"days": "Mo-Xy", "start": "9am", "end": "5pm"}, "day code"),
        ({"days": "", "start": "9am", "end": "5pm"}, "day codes"),
        ({"days": "M-F", "start": "25pm", "end": "5pm"}, "25pm"),
        ({"days": "M-F", "start": "9", "end": "5pm"}, "'9'"),
        ({"days": "M-F", "start": "13:60", "end": "5pm"}, "13:60"),
        ({"days": "M-F", "start": "9am"}, "end"),
    ],
)
async def test_malformed_availability_is_a_422_naming_the_problem_and_keeps_the_old(
    client, provider, patient, times, problem
):
    body = {"general_schedule": {"times": [times]}}
    response = await set_availability(client, provider, body)
    assert response.status_code == 422
    assert problem in response.json()["detail"]
    assert len(await starts(client, patient, provider.id)) == 32


async def test_hours_that_end_before_they_start_are_a_400(client, provider, patient):
    body = {"general_schedule": {"times": [{"days": "M", "start": "5pm", "end": "9am"}]}}
    response = await set_availability(client, provider, body)
    assert response.status_code == 400
    assert response.json()["detail"] == "Start time must be before end time"
    assert len(await starts(client, patient, provider.id)) == 32


async def test_a_general_schedule_ending_before_it_starts_is_a_422(client, provider):
    body = {"general_schedule": {"start_date": "2031-02-01", "end_date": "2031-01-01"}}
    response = await set_availability(client, provider, body)
    assert response.status_code == 422
    assert "end_date must not be before start_date" in response.json()["detail"]


async def test_time_slots_default_to_a_week_from_today(client, provider, patient):
    response = await client.get(f"/providers/{provider.id}/time-slots", headers=patient.headers)
    days = sorted({s["start_time"][:10] for s in response.json()})
    # today (Wednesday the 15th, from 08:00) to Tuesday the 21st, weekdays only
    assert days == ["2031-01-15", "2031-01-16", "2031-01-17", "2031-01-20", "2031-01-21"]


async def test_slots_already_begun_today_are_not_offered(client, provider, patient, clock):
    clock.set(datetime(2031, 1, 15, 16, 20, tzinfo=UTC))
    today = await starts(client, patient, provider.id, first="2031-01-15", last="2031-01-15")
    assert today == ["16:30", "16:45"]


async def test_an_over_long_or_backward_window_is_a_400(client, provider, patient):
    too_long = await slots(client, patient, provider.id, first="2031-01-20", last="2031-03-23")
    assert too_long.status_code == 400
    assert "62 days" in too_long.json()["detail"]
    backward = await slots(client, patient, provider.id, first="2031-01-20", last="2031-01-19")
    assert backward.status_code == 400
    assert backward.json()["detail"] == "end_date must not be before start_date"


async def test_time_slots_of_an_unknown_provider_is_a_404(client, patient):
    response = await slots(client, patient, 999)
    assert response.status_code == 404
    assert response.json()["detail"] == "Provider not found"
    patients_own_id = await slots(client, patient, patient.id)
    assert patients_own_id.status_code == 404


async def test_reserving_holds_the_slot_for_the_grace_period(client, provider, patient, clock):
    response = await reserve(client, patient, provider.id, at(DAY, "10:00"))
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Slot reserved successfully"
    assert isinstance(body["slot_id"], int)
    assert body["status"] == "reserved"
    assert body["reserved_until"] == (clock.now + timedelta(minutes=30)).isoformat()
    assert (body["start_time"], body["end_time"]) == (at(DAY, "10:00"), at(DAY, "10:15"))
    assert "10:00" not in await starts(client, patient, provider.id)
    assert len(await starts(client, patient, provider.id)) == 31


async def test_a_held_slot_cannot_be_reserved_again(client, provider, patient):
    other = await sign_up(client, "patient", "other@example.com")
    await reserve(client, patient, provider.id, at(DAY, "10:00"))
    again = await reserve(client, other, provider.id, at(DAY, "10:00"))
    assert again.status_code == 409
    assert again.json()["detail"] == "Time slot is not available: it is already taken"


OUTSIDE = "Time slot is not available: it is outside the provider's hours"


@pytest.mark.parametrize(
    ("start", "says"),
    [
        (at(DAY, "08:45"), OUTSIDE),  # before opening
        (at(DAY, "17:00"), OUTSIDE),  # closing time
        (at(DAY, "10:05"), "10:05 is not on the calendar's 15-minute grid"),
        (at("2031-01-18", "10:00"), OUTSIDE),  # Saturday
        (at("2031-01-14", "10:00"), "Time slot is in the past"),  # yesterday
        (at("2032-06-01", "10:00"), "Bookings can be made at most 365 days ahead"),
    ],
)
async def test_reserving_a_time_that_is_not_offered_is_a_409_saying_why(
    client, provider, patient, start, says
):
    response = await reserve(client, patient, provider.id, start)
    assert response.status_code == 409
    assert response.json()["detail"] == says
    assert await appointments(client, provider, provider.id) == []


@pytest.mark.parametrize(
    "body",
    [
        {"provider_id": 1, "start_time": "tomorrow at ten"},
        {"provider_id": "one", "start_time": "2031-01-20T10:00:00Z"},
        {"start_time": "2031-01-20T10:00:00Z"},
    ],
)
async def test_malformed_reservations_are_422(client, provider, patient, body):
    response = await client.post("/appointments/reserve", json=body, headers=patient.headers)
    assert response.status_code == 422


async def test_reserving_with_an_unknown_provider_is_a_404(client, patient):
    response = await reserve(client, patient, 999, at(DAY, "10:00"))
    assert response.status_code == 404
    assert response.json()["detail"] == "Provider not found"


async def test_a_wall_time_without_offset_is_read_in_the_providers_zone(client, patient):
    provider = await sign_up(client, "provider")
    body = WEEKDAYS_9_TO_5 | {"timezone": "America/New_York"}
    assert (await set_availability(client, provider, body)).status_code == 200
    offered = await slots(client, patient, provider.id)
    assert offered.json()[0]["start_time"] == "2031-01-20T09:00:00-05:00"
    made = await reserve(client, patient, provider.id, "2031-01-20T09:00:00")
    assert made.status_code == 200
    assert made.json()["start_time"] == "2031-01-20T09:00:00-05:00"
    same_instant = await reserve(client, patient, provider.id, at(DAY, "14:00"))
    assert same_instant.status_code == 409


async def test_confirming_turns_the_hold_into_a_booking(client, provider, patient, clock):
    slot_id = (await reserve(client, patient, provider.id, at(DAY, "10:00"))).json()["slot_id"]
    response = await post(client, "/appointments/confirm", patient, slot_id)
    assert response.status_code == 200
    assert response.json()["message"] == "Reservation confirmed successfully"
    clock.advance(hours=2)  # long after the grace period
    [booked] = await appointments(client, provider, provider.id)
    assert booked["status"] == "booked"
    assert booked["confirmed"] is True
    assert booked["reserved_until"] is None
    assert "10:00" not in await starts(client, patient, provider.id)
    again = await post(client, "/appointments/confirm", patient, slot_id)
    assert again.status_code == 200


async def test_an_unconfirmed_hold_is_offered_again_the_moment_it_expires(
    client, provider, patient, clock
):
    await reserve(client, patient, provider.id, at(DAY, "10:00"))
    assert "10:00" not in await starts(client, patient, provider.id)
    clock.advance(minutes=29, seconds=59)
    assert "10:00" not in await starts(client, patient, provider.id)
    clock.advance(seconds=1)
    assert "10:00" in await starts(client, patient, provider.id)
    assert await appointments(client, provider, provider.id) == []
    other = await sign_up(client, "patient", "other@example.com")
    assert (await reserve(client, other, provider.id, at(DAY, "10:00"))).status_code == 200


async def test_confirming_after_the_grace_period_is_409_reservation_expired(
    client, provider, patient, clock
):
    slot_id = (await reserve(client, patient, provider.id, at(DAY, "10:00"))).json()["slot_id"]
    clock.advance(minutes=30)
    response = await post(client, "/appointments/confirm", patient, slot_id)
    assert response.status_code == 409
    assert response.json()["detail"] == "Reservation expired"
    assert "10:00" in await starts(client, patient, provider.id)


async def test_confirming_someone_elses_or_an_unknown_reservation(client, provider, patient):
    other = await sign_up(client, "patient", "other@example.com")
    slot_id = (await reserve(client, patient, provider.id, at(DAY, "10:00"))).json()["slot_id"]
    theirs = await post(client, "/appointments/confirm", other, slot_id)
    assert theirs.status_code == 403
    unknown = await post(client, "/appointments/confirm", patient, 999)
    assert unknown.status_code == 404
    [held] = await appointments(client, provider, provider.id)
    assert held["status"] == "reserved"


async def test_the_patient_may_cancel_and_the_slot_is_offered_again(client, provider, patient):
    slot_id = (await reserve(client, patient, provider.id, at(DAY, "10:00"))).json()["slot_id"]
    await post(client, "/appointments/confirm", patient, slot_id)
    response = await post(client, "/appointments/cancel", patient, slot_id)
    assert response.status_code == 200
    assert response.json() == {"message": "Appointment cancelled successfully", "slot_id": slot_id}
    assert "10:00" in await starts(client, patient, provider.id)
    assert await appointments(client, provider, provider.id) == []
    twice = await post(client, "/appointments/cancel", patient, slot_id)
    assert twice.status_code == 409


async def test_the_provider_may_cancel_appointments_on_their_calendar(client, provider, patient):
    slot_id = (await reserve(client, patient, provider.id, at(DAY, "10:00"))).json()["slot_id"]
    other_provider = await sign_up(client, "provider", "other-doc@example.com")
    other_patient = await sign_up(client, "patient", "other@example.com")
    for outsider in (other_provider, other_patient):
        refused = await post(client, "/appointments/cancel", outsider, slot_id)
        assert refused.status_code == 403
    response = await post(client, "/appointments/cancel", provider, slot_id)
    assert response.status_code == 200
    assert "10:00" in await starts(client, patient, provider.id)
    unknown = await post(client, "/appointments/cancel", provider, 999)
    assert unknown.status_code == 404


async def test_booked_appointments_show_who_reserved_and_until_when(
    client, provider, patient, clock
):
    held = (await reserve(client, patient, provider.id, at(DAY, "10:00"))).json()
    booked = (await reserve(client, patient, provider.id, at(DAY, "11:00"))).json()
    await post(client, "/appointments/confirm", patient, booked["slot_id"])
    listed = await appointments(client, provider, provider.id)
    assert listed == [
        {
            "id": held["slot_id"],
            "provider_id": provider.id,
            "start_time": at(DAY, "10:00"),
            "end_time": at(DAY, "10:15"),
            "status": "reserved",
            "client_id": patient.id,
            "reserved_by": "Pat",
            "reserved_until": (clock.now + timedelta(minutes=30)).isoformat(),
            "confirmed": False,
        },
        {
            "id": booked["slot_id"],
            "provider_id": provider.id,
            "start_time": at(DAY, "11:00"),
            "end_time": at(DAY, "11:15"),
            "status": "booked",
            "client_id": patient.id,
            "reserved_by": "Pat",
            "reserved_until": None,
            "confirmed": True,
        },
    ]
    admin = await sign_up(client, "admin")
    assert await appointments(client, admin, provider.id) == listed


async def test_a_booking_made_on_surface_002_is_a_booked_appointment_here(
    client, provider, patient
):
    assert await starts(client, patient, provider.id)  # cached now
    admin = await sign_up(client, "admin")
    [entry] = (await client.get("/providers", headers=admin.headers)).json()
    opened = await client.put(
        f"/providers/{provider.id}/booking-policy",
        json={"who_may_book": "anyone"},
        headers=provider.headers,
    )
    assert opened.status_code == 200  # a 004 calendar is for its patients until opened
    made = await client.post(
        "/api/v1/bookings",
        json={"provider_id": entry["calendar_id"], "date": DAY, "time": "10:00"},
    )
    assert made.status_code == 201
    assert "10:00" not in await starts(client, patient, provider.id)
    [listed] = await appointments(client, provider, provider.id)
    assert (listed["id"], listed["status"], listed["client_id"]) == (
        made.json()["id"],
        "booked",
        None,
    )
    clash = await reserve(client, patient, provider.id, at(DAY, "10:00"))
    assert clash.status_code == 409


async def test_a_retried_reservation_with_the_same_key_holds_once(client, provider, patient):
    headers = patient.headers | {"Idempotency-Key": "reserve-1"}
    first = await client.post(
        "/appointments/reserve",
        json={"provider_id": provider.id, "start_time": at(DAY, "10:00")},
        headers=headers,
    )
    second = await client.post(
        "/appointments/reserve",
        json={"provider_id": provider.id, "start_time": at(DAY, "10:00")},
        headers=headers,
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert len(await appointments(client, provider, provider.id)) == 1


async def test_the_sweeper_records_expired_holds_and_announces_the_freed_days(
    client, settings, clock: FrozenClock, provider, patient
):
    kept = (await reserve(client, patient, provider.id, at(DAY, "10:00"))).json()
    lapsed = (await reserve(client, patient, provider.id, at("2031-01-21", "10:00"))).json()
    await post(client, "/appointments/confirm", patient, kept["slot_id"])
    engine = Engine(settings, Database(settings.database_url), clock)
    heard: list[frozenset[CalendarDay]] = []

    async def listen(days: frozenset[CalendarDay]) -> None:
        heard.append(days)

    engine.on_change(listen)
    try:
        assert await sweep(engine) == 0
        clock.advance(minutes=31)
        assert await sweep(engine) == 1
        assert await sweep(engine) == 0
    finally:
        await engine.db.dispose()
    [days] = heard
    [changed] = days
    assert changed.day.isoformat() == "2031-01-21"
    expired = await post(client, "/appointments/confirm", patient, lapsed["slot_id"])
    assert expired.json()["detail"] == "Reservation expired"
    assert len(await appointments(client, provider, provider.id)) == 1
