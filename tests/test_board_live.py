"""Live updates: whichever surface changes a calendar-day, its board subscribers hear it.

The clock stands at 2031-01-15 08:00 UTC; DAY is the Monday after.
"""

from datetime import time, timedelta

import pytest
import websockets

from slotbook.booking.claims import claim_time
from slotbook.calendars import calendars as cal
from slotbook.jobs.sweeper import sweep
from tests.support.events import EVENT_DAY, book_seat, create_event
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


async def test_a_calendars_board_cancels_only_with_the_bookings_token(server):
    alice = await owner_calendar(server)
    async with server.board(calendar=alice.id, date=DAY) as board, server.http() as http:
        await board.receive()
        made = await http.post("/api/v1/appointments", json=appointment())
        assert made.status_code == 200
        await board.receive()
        response = await board.ask({"type": "cancel_slot", "slot_id": 10})
        assert response == {
            "type": "cancellation_response",
            "success": False,
            "message": "Slot 10 can be cancelled on this calendar only with its booking_token",
            "slot_id": 10,
        }
        wrong = await board.ask({"type": "cancel_slot", "slot_id": 10, "booking_token": "x" * 43})
        assert wrong["success"] is False
        assert wrong["message"] == "Slot 10 has no active booking with this booking_token"
        assert booked(await board.ask({"type": "get_slots"})) == [10]

        assert booked(await board.ask({"type": "book_slot", "slot_id": 11})) == [10, 11]
        token = (await board.receive())["booking_token"]
        # a token is good only for its own slot
        other = await board.ask({"type": "cancel_slot", "slot_id": 10, "booking_token": token})
        assert other["success"] is False
        update = await board.ask({"type": "cancel_slot", "slot_id": 11, "booking_token": token})
        assert booked(update) == [10]
        assert (await board.receive())["message"] == "Slot 11 booking cancelled successfully"


async def test_the_default_board_keeps_its_open_cancel_and_also_takes_a_token(server):
    async with server.board() as board:
        await board.receive()
        await board.ask({"type": "book_slot", "slot_id": 9})
        token = (await board.receive())["booking_token"]
        await board.ask({"type": "book_slot", "slot_id": 10})
        await board.receive()
        wrong = await board.ask({"type": "cancel_slot", "slot_id": 10, "booking_token": token})
        assert wrong["message"] == "Slot 10 has no active booking with this booking_token"
        assert booked(await board.ask({"type": "cancel_slot", "slot_id": 10})) == [9]
        assert (await board.receive())["success"] is True
        update = await board.ask({"type": "cancel_slot", "slot_id": 9, "booking_token": token})
        assert booked(update) == []
        assert (await board.receive())["message"] == "Slot 9 booking cancelled successfully"


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


async def test_an_events_seats_are_followed_live_but_not_booked_on_the_board(server):
    async with server.http() as http:
        event = await create_event(http, ("09:00", "10:00", 2), ("11:00", "12:00", 1))
        first, second = (slot["id"] for slot in event["time_slots"])
        async with server.board(calendar=event["id"], date=EVENT_DAY) as feed:
            update = await feed.receive()
            assert update["data"]["slots"][0] == {
                "id": first,
                "start_time": "09:00",
                "end_time": "10:00",
                "is_booked": False,
                "is_available": True,
                "max_capacity": 2,
                "current_bookings": 0,
                "available_spots": 2,
            }
            assert update["data"]["date"] == EVENT_DAY
            assert (await book_seat(http, second)).status_code == 201
            update = await feed.receive()
            assert update["data"]["booked_slots"] == [second]
            assert update["data"]["available_slots"] == [first]
            refused = await feed.ask({"type": "book_slot", "slot_id": 9})
            assert refused["success"] is False
            assert refused["message"] == (
                f"Calendar {event['id']} has seat-limited slots, not calendar time"
            )


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
