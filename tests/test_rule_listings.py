"""Slot lists ask the booking rules the claim asks: 001 `/slots`, the pages' API, 004
`time-slots` (through its cache) and the live board leave out times a buffer blocks
and days or weeks at their limit."""

import httpx

from tests.support.accounts import Account, sign_up
from tests.support.live import LiveServer
from tests.support.owners import DAY, appointment, owner_calendar
from tests.support.reservations import WEEKDAYS_9_TO_5, at

TUESDAY = "2031-01-21"


async def alice(client: httpx.AsyncClient, **rules: object) -> int:
    return await owner_calendar(client, hours=("08:00", "14:00"), **rules)


async def book(client: httpx.AsyncClient, hour: str, day: str = DAY) -> None:
    response = await appointment(client, hour, day)
    assert response.status_code == 200, response.text


async def slots_001(client: httpx.AsyncClient, day: str = DAY) -> list[str]:
    response = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": day}
    )
    return response.json()["available_slots"]


async def slots_of_pages(client: httpx.AsyncClient, calendar_id: int, day: str = DAY) -> list[str]:
    response = await client.get(f"/api/v1/calendars/{calendar_id}/slots", params={"date": day})
    return [s["start_time"] for s in response.json()["slots"]]


async def test_001_and_the_pages_leave_out_times_a_buffer_blocks(client):
    calendar_id = await alice(client, buffer_before_minutes=15, buffer_after_minutes=30)
    await book(client, "10:00")
    # 09:00 ends inside 10:00's 15 minutes before; 11:00 starts inside its 30 after
    expected = ["08:00", "12:00", "13:00"]
    assert await slots_001(client) == expected
    assert await slots_of_pages(client, calendar_id) == expected


async def test_a_day_at_its_limit_offers_nothing_and_a_week_at_its_limit_neither(client):
    calendar_id = await alice(client, max_per_day=2, max_per_week=3)
    await book(client, "09:00")
    assert len(await slots_001(client)) == 5
    await book(client, "10:00")
    assert await slots_001(client) == []
    assert await slots_of_pages(client, calendar_id) == []
    assert len(await slots_001(client, TUESDAY)) == 6
    await book(client, "09:00", TUESDAY)  # the week's third
    assert await slots_001(client, "2031-01-22") == []
    assert len(await slots_001(client, "2031-01-27")) == 6  # the next week


async def test_004_time_slots_hide_buffers_and_full_weeks_through_the_cache(client):
    admin = await sign_up(client, "admin")
    provider = await sign_up(client, "provider")
    patient = await sign_up(client, "patient")
    calendar_id = (await client.get("/providers", headers=admin.headers)).json()[0]["calendar_id"]
    hours = f"/providers/{provider.id}/availability"
    assert (await client.post(hours, json=WEEKDAYS_9_TO_5, headers=provider.headers)).is_success
    rules = {"buffer_after_minutes": 15, "max_per_week": 2}
    patched = await client.patch(
        f"/api/v1/calendars/{calendar_id}/settings", json=rules, headers=provider.headers
    )
    assert patched.status_code == 200
    tuesday = await time_slots(client, patient, provider.id, TUESDAY)  # cached now
    assert len(tuesday) == 32
    await reserve(client, patient, provider.id, at(DAY, "10:00"))
    monday = await time_slots(client, patient, provider.id, DAY)
    assert at(DAY, "10:00") not in monday
    assert at(DAY, "10:15") not in monday  # inside 10:00-10:15's 15 minutes after
    assert at(DAY, "09:45") not in monday  # its own 15 minutes after would cover 10:00
    assert at(DAY, "09:30") in monday and at(DAY, "10:30") in monday
    await reserve(client, patient, provider.id, at(DAY, "13:00"))  # the week's second
    assert await time_slots(client, patient, provider.id, TUESDAY) == []  # cache dropped


async def time_slots(
    client: httpx.AsyncClient, patient: Account, provider_id: int, day: str
) -> list[str]:
    response = await client.get(
        f"/providers/{provider_id}/time-slots",
        params={"start_date": day, "end_date": day},
        headers=patient.headers,
    )
    assert response.status_code == 200, response.text
    return [s["start_time"] for s in response.json()]


async def reserve(
    client: httpx.AsyncClient, patient: Account, provider_id: int, start: str
) -> None:
    response = await client.post(
        "/appointments/reserve",
        json={"provider_id": provider_id, "start_time": start},
        headers=patient.headers,
    )
    assert response.status_code == 200, response.text


async def test_the_board_shows_buffer_blocked_slots_as_neither_booked_nor_available(
    server: LiveServer,
):
    async with server.http() as client:
        calendar_id = await alice(client, buffer_after_minutes=30, max_per_day=2)
        await book(client, "10:00")
    async with server.board(calendar=calendar_id, date=DAY) as board:
        update = await board.receive()
        slots = {s["id"]: s for s in update["data"]["slots"]}
        assert update["data"]["booked_slots"] == [10]
        assert update["data"]["available_slots"] == [8, 12, 13]  # 9 would run into 10:00
        assert (slots[11]["is_booked"], slots[11]["is_available"]) == (False, False)
        made = await board.ask({"type": "book_slot", "slot_id": 11})
        while made["type"] != "booking_response":
            made = await board.receive()
        assert made["message"] == (
            "Slot 11 is not available: That time is too close to another booking: this "
            "calendar keeps 0 minutes before and 30 minutes after each booking free"
        )
        assert (await board.ask({"type": "book_slot", "slot_id": 13}))["type"] == "slots_update"
        full = await board.until(lambda m: m["type"] == "booking_response")
        assert full["success"] is True
        at_limit = await board.ask({"type": "get_slots"})  # the day's second: it is full
        assert at_limit["data"]["booked_slots"] == [10, 13]
        assert at_limit["data"]["available_slots"] == []
        refused = await board.ask({"type": "book_slot", "slot_id": 8})
        assert refused["message"] == (
            "Slot 8 is not available: Daily limit of 2 bookings reached for 2031-01-20"
        )
