"""Live updates: whichever surface changes a calendar-day, its board subscribers hear it.

The clock stands at 2031-01-15 08:00 UTC; DAY is the Monday after.
"""

from datetime import time, timedelta

import pytest
import websockets

from slotbook.booking.claims import claim_time
from slotbook.calendars import calendars as cal
from slotbook.jobs.sweeper import sweep
from tests.support.live import LiveServer, booked
from tests.test_owners import DAY, appointment, set_hours

OTHER_DAY = "2031-01-21"
POLICY_VIOLATION = 1008


async def owner_calendar(server: LiveServer, owner: str = "alice") -> cal.Calendar:
    """An owner's calendar, with 09:00-17:00 hours (set through surface 001)."""
    async with server.http() as http:
        assert (await set_hours(http, owner)).status_code == 200
    async with server.app.state.engine.unit() as uow:
        found = await cal.find_calendar(uow, kind="owner", owner_key=owner)
    assert found is not None
    return found


def ids(update: dict) -> list[int]:
    return [s["id"] for s in update["data"]["slots"]]


async def test_an_appointment_booked_over_rest_reaches_that_days_subscribers(server):
    alice = await owner_calendar(server)
    async with (
        server.board(calendar=alice.id, date=DAY) as that_day,
        server.board(calendar=alice.id, date=OTHER_DAY) as other_day,
        server.http() as http,
    ):
        first = await that_day.receive()
        assert ids(first) == list(range(9, 17))
        assert [s["start_time"] for s in first["data"]["slots"]][:2] == ["09:00", "10:00"]
        await other_day.receive()
        assert (await http.post("/api/v1/appointments", json=appointment())).status_code == 200
        assert booked(await that_day.receive()) == [10]
        # the other day's subscriber got nothing: its next message answers its own request
        assert booked(await other_day.ask({"type": "get_slots"})) == []


async def test_new_working_hours_reach_subscribers_of_every_day(server):
    alice = await owner_calendar(server)
    async with (
        server.board(calendar=alice.id, date=DAY) as monday,
        server.board(calendar=alice.id, date=OTHER_DAY) as tuesday,
        server.http() as http,
    ):
        await monday.receive()
        await tuesday.receive()
        await set_hours(http, start="12:00", end="14:00")
        assert ids(await monday.receive()) == [12, 13]
        assert ids(await tuesday.receive()) == [12, 13]


async def test_a_board_booking_is_an_ordinary_booking_on_that_calendar(server):
    alice = await owner_calendar(server)
    async with server.board(calendar=alice.id, date=DAY) as board, server.http() as http:
        await board.receive()
        assert booked(await board.ask({"type": "book_slot", "slot_id": 11})) == [11]
        assert (await board.receive())["success"] is True
        listed = await http.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
        assert [a["start_time"] for a in listed.json()] == ["11:00"]
        slots = await http.get(
            "/api/v1/slots", params={"calendar_owner_id": "alice", "for_date": DAY}
        )
        assert "11:00" not in slots.json()["available_slots"]
        taken = await http.post("/api/v1/appointments", json=appointment(start="11:00"))
        assert taken.status_code == 409


async def test_a_slot_booked_through_another_surface_is_not_cancelled_from_the_board(server):
    alice = await owner_calendar(server)
    async with server.board(calendar=alice.id, date=DAY) as board, server.http() as http:
        await board.receive()
        await http.post("/api/v1/appointments", json=appointment())
        await board.receive()
        response = await board.ask({"type": "cancel_slot", "slot_id": 10})
        assert response["success"] is False
        assert response["message"] == (
            "Slot 10 was booked elsewhere; cancel it with its booking token"
        )
        assert booked(await board.ask({"type": "get_slots"})) == [10]


async def test_slot_ids_count_slot_lengths_from_local_midnight(server):
    async with server.http() as http:
        made = await http.post(
            "/api/v1/providers",
            json={"name": "Dr Q", "email": "q@example.com", "slot_minutes": 15},
        )
        provider = made.json()["id"]
        async with server.app.state.engine.unit(write=True) as uow:
            calendar = await cal.get_calendar(uow, provider)
            await cal.set_schedule(uow, calendar, cal.daily(time(9), time(10)))
        async with server.board(calendar=provider, date=DAY) as board:
            first = await board.receive()
            assert ids(first) == [36, 37, 38, 39]  # 09:00 is the 36th quarter hour
            assert [s["end_time"] for s in first["data"]["slots"]][-1] == "10:00"
            assert booked(await board.ask({"type": "book_slot", "slot_id": 38})) == [38]
            assert (await board.receive())["message"] == "Slot 38 booked successfully"
            rest = await http.post(
                "/api/v1/bookings", json={"provider_id": provider, "date": DAY, "time": "09:45"}
            )
            assert rest.status_code == 201
            assert booked(await board.receive()) == [38, 39]


async def test_a_hold_blocks_its_slot_until_it_expires(server, clock):
    engine = server.app.state.engine
    async with server.board() as asker, server.board() as watcher:
        await asker.receive()
        await watcher.receive()
        async with engine.unit(write=True) as uow:
            board = await cal.get_calendar(uow, await server.app.state.live.board_id())
            await claim_time(
                uow,
                calendar=board,
                start_at=board.at(clock.now.date(), time(10)),
                source="board",
                hold_for=timedelta(minutes=30),
            )
        assert booked(await watcher.receive()) == [10]
        assert booked(await asker.receive()) == [10]
        clock.advance(minutes=30)
        # read at once as free, before anything records the expiry
        assert 10 in (await asker.ask({"type": "get_slots"}))["data"]["available_slots"]
        assert await sweep(engine) == 1  # what the background sweeper does
        assert booked(await watcher.receive()) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"calendar": "abc"}, "Invalid calendar: abc"),
        ({"calendar": 999}, "Calendar not found"),
        ({"date": "2031-13-01"}, "Invalid date: 2031-13-01 (expected YYYY-MM-DD)"),
        ({"date": "tomorrow"}, "Invalid date: tomorrow (expected YYYY-MM-DD)"),
    ],
)
async def test_a_board_that_cannot_be_shown_is_explained_then_closed(server, query, message):
    async with server.board(**query) as client:
        assert await client.receive() == {"type": "error", "message": message}
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await client.receive()
    assert closed.value.rcvd.code == POLICY_VIOLATION
    assert closed.value.rcvd.reason == message


async def test_event_calendars_are_not_shown_on_the_board(server):
    async with server.app.state.engine.unit(write=True) as uow:
        event = await cal.create_calendar(uow, kind="event", name="Gala")
    async with server.board(calendar=event.id) as client:
        error = await client.receive()
    assert error["message"] == f"Calendar {event.id} has seat-limited slots, not calendar time"


async def test_a_board_booking_is_managed_by_its_token_like_any_other(server):
    async with server.board() as board, server.board() as watcher, server.http() as http:
        await board.receive()
        await watcher.receive()
        await board.ask({"type": "book_slot", "slot_id": 9})
        token = (await board.receive())["booking_token"]
        assert booked(await watcher.receive()) == [9]
        shown = await http.get(f"/api/v1/bookings/{token}")
        assert shown.status_code == 200
        assert shown.json()["start_time"] == "09:00:00"
        assert shown.json()["calendar_kind"] == "board"
        moved = await http.put(f"/api/v1/bookings/{token}", json={"new_time": "11:00"})
        assert moved.status_code == 200
        assert booked(await watcher.receive()) == [11]
        assert (await http.delete(f"/api/v1/bookings/{token}")).status_code == 204
        assert booked(await watcher.receive()) == []
