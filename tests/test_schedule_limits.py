"""What one calendar's schedule may hold: a schedule past a limit is a 4xx naming it,
overlapping ranges are stored joined, and a calendar at every limit still books fast."""

import time
from datetime import date, timedelta

import pytest

from slotbook.engine import Engine
from slotbook.store import calendars as calendar_rows
from slotbook.store.calendars import load_schedule
from slotbook.store.db import Database
from tests.support.accounts import Account, sign_up

MONDAY = date(2031, 1, 20)
HALF_HOURS = [{"start": f"{h:02d}:00", "end": f"{h:02d}:30"} for h in range(24)]


@pytest.fixture
async def provider(client) -> Account:
    return await sign_up(client, "provider")


async def set_availability(client, provider: Account, body: dict):
    return await client.post(
        f"/providers/{provider.id}/availability", json=body, headers=provider.headers
    )


async def test_more_ranges_a_day_than_allowed_is_422_naming_the_limit(client, provider):
    thirty = [
        {"start": f"{h:02d}:{m:02d}", "end": f"{h:02d}:{m + 10:02d}"}
        for h in range(15)
        for m in (0, 30)
    ]
    answer = await set_availability(
        client, provider, {"exceptions": [{"date": "2031-02-01", "times": thirty}]}
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "schedule_too_large"
    assert answer.json()["detail"] == (
        "2031-02-01 has 30 separate time ranges; at most 24 a day are accepted "
        "(SLOTBOOK_MAX_RANGES_PER_DAY)"
    )
    weekly = [{"days": "M", "start": r["start"], "end": r["end"]} for r in thirty]
    answer = await set_availability(client, provider, {"general_schedule": {"times": weekly}})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("Monday has 30 separate time ranges")


async def test_more_dated_hours_than_allowed_is_422_naming_the_limit(client, provider):
    manual = [
        {"date": (MONDAY + timedelta(days=n)).isoformat(), "times": HALF_HOURS[:2]}
        for n in range(501)
    ]
    answer = await set_availability(client, provider, {"manual_appointment_slots": manual})
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "1002 date-specific time ranges (exceptions and manual slots); at most 1000 are "
        "accepted (SLOTBOOK_MAX_DATED_HOURS)"
    )


async def test_a_weekly_schedule_spanning_too_long_is_422_naming_the_limit(client, provider):
    general = {
        "start_date": "2031-01-01",
        "end_date": "2045-01-01",
        "times": [{"days": "M-F", "start": "9am", "end": "5pm"}],
    }
    answer = await set_availability(client, provider, {"general_schedule": general})
    assert answer.status_code == 422
    assert "SLOTBOOK_MAX_RULE_DAYS" in answer.json()["detail"]


async def test_overlapping_ranges_are_stored_joined(client, provider):
    overlapping = [{"days": "M-Su", "start": f"9:{m:02d}am", "end": "5pm"} for m in range(0, 60)]
    overlapping += [{"days": "M", "start": "4pm", "end": "6pm"}]
    answer = await set_availability(client, provider, {"general_schedule": {"times": overlapping}})
    assert answer.status_code == 200, answer.text
    patient = await sign_up(client, "patient")
    slots = await client.get(
        f"/providers/{provider.id}/time-slots",
        params={"start_date": MONDAY.isoformat(), "end_date": MONDAY.isoformat()},
        headers=patient.headers,
    )
    starts = [s["start_time"][11:16] for s in slots.json()]
    assert starts[0] == "09:00" and starts[-1] == "17:45" and len(starts) == 36


async def test_a_calendar_at_every_limit_books_in_well_under_fifty_ms_of_cpu(client, provider):
    dated = [
        {"date": (MONDAY + timedelta(days=n)).isoformat(), "times": HALF_HOURS} for n in range(41)
    ]  # 984 ranges
    manual = [
        {"date": (MONDAY + timedelta(days=41 + n)).isoformat(), "times": HALF_HOURS[:1]}
        for n in range(16)
    ]  # 1,000 in all
    body = {
        "general_schedule": {
            "start_date": "2031-01-01",
            "end_date": "2040-12-31",
            "times": [{"days": "M-Su", **r} for r in HALF_HOURS],
        },
        "exceptions": dated,
        "manual_appointment_slots": manual,
    }
    answer = await set_availability(client, provider, body)
    assert answer.status_code == 200, answer.text
    patient = await sign_up(client, "patient")
    costs = []
    for hour in (10, 11, 12):
        started = time.process_time()
        reserved = await client.post(
            "/appointments/reserve",
            json={
                "provider_id": provider.id,
                "start_time": f"{MONDAY + timedelta(days=3)}T{hour:02d}:15:00+00:00",
            },
            headers=patient.headers,
        )
        costs.append(time.process_time() - started)
        assert reserved.status_code == 200, reserved.text
    # The goal is 50 ms of server CPU (this includes the in-process client's too); the
    # bound is 10x wide, as timing assertions here must be.
    assert min(costs) < 0.5, costs


async def test_a_day_reads_only_the_hours_that_can_touch_it(client, settings, provider):
    """A claim or a slot listing loads its window's rules and dated hours, not the whole
    schedule of a calendar that may hold a thousand dated ranges."""
    dated = [
        {"date": (MONDAY + timedelta(days=n)).isoformat(), "times": HALF_HOURS[:2]}
        for n in range(30)
    ]
    body = {
        "general_schedule": {
            "start_date": "2031-01-01",
            "end_date": "2031-12-31",
            "times": [{"days": "M-F", "start": "9am", "end": "5pm"}],
        },
        "exceptions": dated,
    }
    assert (await set_availability(client, provider, body)).status_code == 200
    admin = await sign_up(client, "admin")
    [listed] = (await client.get("/providers", headers=admin.headers)).json()
    thursday, next_year = MONDAY + timedelta(days=3), date(2032, 3, 4)
    engine = Engine(settings, Database(settings.database_url))
    try:
        async for attempt in engine.attempts():
            async with attempt as uow:
                whole = await load_schedule(uow, listed["calendar_id"])
                day = await load_schedule(uow, listed["calendar_id"], thursday, thursday)
                later = await load_schedule(uow, listed["calendar_id"], next_year, next_year)
    finally:
        await engine.db.dispose()
    assert (len(whole.rules), len(whole.dates)) == (5, 60)
    assert len(day.rules) == 5 and {d.on for d in day.dates} == {thursday}
    assert (later.rules, later.dates) == ([], [])


async def test_hours_kept_in_memory_are_bounded_and_still_right_after_eviction(client, monkeypatch):
    """Each process keeps the hours it read per window, a bounded number of windows
    (the oldest go first): no sequence of slot lists pins more, and a list whose
    window was dropped reads the hours again and answers the same."""
    monkeypatch.setattr(calendar_rows, "SCHEDULES_KEPT", 3)
    body = {"calendar_owner_id": "kept", "start_time": "09:00", "end_time": "12:00"}
    assert (await client.post("/api/v1/availability", json=body)).status_code == 200

    async def slots(day: date) -> list[str]:
        query = {"calendar_owner_id": "kept", "for_date": day.isoformat()}
        answer = await client.get("/api/v1/slots", params=query)
        assert answer.status_code == 200, answer.text
        return answer.json()["available_slots"]

    days = [MONDAY + timedelta(days=n) for n in range(6)]
    for day in days:
        assert await slots(day) == ["09:00", "10:00", "11:00"]
        assert len(calendar_rows._schedules) <= 3
    assert await slots(days[0]) == ["09:00", "10:00", "11:00"]  # read again, the same
