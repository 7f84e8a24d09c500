"""Wall times that DST skips or repeats, through every surface (SQLite and PostgreSQL).

America/Santiago (2027-09-05), Asia/Beirut (2027-03-28) and America/Havana (2027-03-14)
jump from 00:00 to 01:00: an owner open 00:00-23:00 is offered 01:00 first, 00:00 is
never offered nor booked, and the day's bookings are those from the instant it begins.
Bookings and moves by wall time (002, manage-by-token) take the grid's rule for a time
the clocks repeat, and refuse one they skip.
"""

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from tests.support.accounts import sign_up
from tests.support.clock import FrozenClock
from tests.support.zones import MIDNIGHT_GAPS

each_midnight_gap = pytest.mark.parametrize(("name", "day", "begins"), MIDNIGHT_GAPS)
HOURS_FROM_ONE = [f"{h:02}:00" for h in range(1, 23)]


async def owner_calendar(client: httpx.AsyncClient, owner: str, zone: str) -> int:
    """A surface 001 owner open 00:00-23:00 in `zone`; returns the calendar's id."""
    body = {"calendar_owner_id": owner, "start_time": "00:00", "end_time": "23:00"}
    response = await client.post("/api/v1/availability", json=body | {"timezone": zone})
    assert response.status_code == 200, response.text
    page = await client.get(f"/book/owner/{owner}")
    return int(page.headers["location"].rsplit("/", 1)[1])


def appointment(owner: str, day: date, start: str) -> dict[str, str]:
    return {
        "calendar_owner_id": owner,
        "invitee_name": "Ana",
        "invitee_email": "ana@example.com",
        "date": day.isoformat(),
        "slot_start_time": start,
    }


@each_midnight_gap
async def test_owner_slots_begin_at_the_first_hour_that_exists_and_book_it(
    client, clock: FrozenClock, name, day, begins
):
    clock.set(begins - timedelta(days=2))
    await owner_calendar(client, "night", name)
    response = await client.get(
        "/api/v1/slots", params={"calendar_owner_id": "night", "for_date": day.isoformat()}
    )
    assert response.json() == {"available_slots": HOURS_FROM_ONE}

    missing = await client.post("/api/v1/appointments", json=appointment("night", day, "00:00"))
    assert missing.status_code == 400
    assert missing.json()["detail"] == "Invalid time"
    booked = await client.post("/api/v1/appointments", json=appointment("night", day, "01:00"))
    assert booked.status_code == 200, booked.text
    stored = (await client.get(f"/api/v1/bookings/{booked.json()['booking_token']}")).json()
    assert datetime.fromisoformat(stored["start_at"]) == begins
    assert (stored["date"], stored["start_time"]) == (day.isoformat(), "01:00:00")


@each_midnight_gap
async def test_the_pages_and_the_board_show_the_day_from_where_it_begins(
    server, clock: FrozenClock, name, day, begins
):
    clock.set(begins - timedelta(days=2))
    async with server.http() as http:
        calendar_id = await owner_calendar(http, "night", name)
        page = (
            await http.get(f"/api/v1/calendars/{calendar_id}/slots", params={"date": str(day)})
        ).json()
    assert page["calendar_dates"] == [day.isoformat()]
    assert [s["start_time"] for s in page["slots"]] == HOURS_FROM_ONE
    assert datetime.fromisoformat(page["slots"][0]["start_at"]) == begins
    async with server.board(calendar=calendar_id, date=day.isoformat()) as board:
        update = await board.receive()
        assert [s["start_time"] for s in update["data"]["slots"]] == HOURS_FROM_ONE
        assert update["data"]["available_slots"] == list(range(1, 23))
        answer = await board.ask({"type": "book_slot", "slot_id": 1})
        answer = answer if answer["type"] == "booking_response" else await board.receive()
    assert answer["success"] is True, answer
    async with server.http() as http:
        stored = (await http.get(f"/api/v1/bookings/{answer['booking_token']}")).json()
    assert datetime.fromisoformat(stored["start_at"]) == begins


@each_midnight_gap
async def test_reservations_offer_book_and_list_the_day_from_where_it_begins(
    client, clock: FrozenClock, name, day, begins
):
    clock.set(begins - timedelta(days=2))
    provider = await sign_up(client, "provider")
    patient = await sign_up(client, "patient")
    schedule = {
        "general_schedule": {
            "start_date": str(day - timedelta(days=1)),
            "end_date": str(day),
            "times": [{"days": "M-Su", "start": "00:00", "end": "23:00"}],
        },
        "timezone": name,
    }
    response = await client.post(
        f"/providers/{provider.id}/availability", json=schedule, headers=provider.headers
    )
    assert response.status_code == 200, response.text
    window = {"start_date": str(day), "end_date": str(day)}
    slots = (
        await client.get(
            f"/providers/{provider.id}/time-slots", params=window, headers=patient.headers
        )
    ).json()
    assert datetime.fromisoformat(slots[0]["start_time"]) == begins
    assert slots[0]["start_time"][11:16] == "01:00"

    async def reserve(start: str) -> httpx.Response:
        body = {"provider_id": provider.id, "start_time": start}
        return await client.post("/appointments/reserve", json=body, headers=patient.headers)

    assert (await reserve(f"{day}T00:30")).status_code == 409  # 00:30 does not exist
    late = await reserve(f"{day - timedelta(days=1)}T22:45")  # the evening before
    early = await reserve(f"{day}T01:00")
    assert late.status_code == early.status_code == 200, (late.text, early.text)
    assert datetime.fromisoformat(early.json()["start_time"]) == begins

    async def booked_on(first: date, last: date) -> list[int]:
        response = await client.get(
            f"/providers/{provider.id}/booked-appointments",
            params={"start_date": str(first), "end_date": str(last)},
            headers=provider.headers,
        )
        return [a["id"] for a in response.json()]

    assert await booked_on(day, day) == [early.json()["id"]]
    assert await booked_on(day - timedelta(days=1), day - timedelta(days=1)) == [late.json()["id"]]


FALL_BACK = date(2027, 10, 31)  # Europe/London: 02:00 BST goes back to 01:00 GMT
BST_HALF_PAST_ONE = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
GMT_HALF_PAST_ONE = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(("minutes", "instant"), [(30, BST_HALF_PAST_ONE), (45, GMT_HALF_PAST_ONE)])
async def test_a_repeated_wall_time_books_and_moves_to_where_the_grid_offers_it(
    client, clock: FrozenClock, minutes, instant
):
    """002 bookings and moves by wall time take the grid's rule: the first 01:30 for 30
    minutes, the second (GMT) one for 45, which would otherwise run across the change."""
    clock.set(datetime(2027, 10, 20, tzinfo=UTC))
    body = {"name": "Lon", "email": "lon@example.com", "timezone": "Europe/London"}
    provider = await client.post("/api/v1/providers", json=body | {"slot_minutes": minutes})
    assert provider.status_code == 201, provider.text
    booking = {"provider_id": provider.json()["id"], "date": str(FALL_BACK)}
    made = await client.post("/api/v1/bookings", json=booking | {"time": "01:30"})
    assert made.status_code == 201, made.text
    token = made.json()["booking_token"]
    assert (
        datetime.fromisoformat((await client.get(f"/api/v1/bookings/{token}")).json()["start_at"])
        == instant
    )

    other = await client.post("/api/v1/bookings", json=booking | {"time": "05:00"})
    moved = await client.put(
        f"/api/v1/bookings/{other.json()['booking_token']}", json={"new_time": "01:30"}
    )
    assert moved.status_code == 409  # the same instant: already booked
    await client.delete(f"/api/v1/bookings/{token}")
    moved = await client.put(
        f"/api/v1/bookings/{other.json()['booking_token']}", json={"new_time": "01:30"}
    )
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["start_at"]) == instant


async def test_a_wall_time_the_clocks_skip_is_refused_by_time_bookings_and_moves(
    client, clock: FrozenClock
):
    clock.set(datetime(2027, 3, 20, tzinfo=UTC))
    body = {"name": "Lon", "email": "lon@example.com", "timezone": "Europe/London"}
    provider = (await client.post("/api/v1/providers", json=body)).json()
    booking = {"provider_id": provider["id"], "date": "2027-03-28"}  # 01:00 becomes 02:00
    skipped = await client.post("/api/v1/bookings", json=booking | {"time": "01:30"})
    assert skipped.status_code == 400
    assert "01:30 does not exist" in skipped.json()["error"]
    made = await client.post("/api/v1/bookings", json=booking | {"time": "03:00"})
    moved = await client.put(
        f"/api/v1/bookings/{made.json()['booking_token']}", json={"new_time": "01:15"}
    )
    assert moved.status_code in (400, 422)
    assert "does not exist" in moved.text
