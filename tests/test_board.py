"""Surface 000: the live slot board's WebSocket protocol, with a real client and server.

The clock stands at 2031-01-15 08:00 UTC; the default board is open 03:00-15:00 UTC, so
slots 3-7 have passed and 8-14 can be booked.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from tests.support.live import BoardClient, LiveServer, booked, live_server

ALL = list(range(3, 15))
BOOKABLE = list(range(8, 15))


@pytest.fixture
async def board(server: LiveServer) -> AsyncIterator[BoardClient]:
    async with server.board() as client:
        assert (await client.receive())["type"] == "slots_update"
        yield client


async def test_a_new_connection_first_gets_every_slot_of_today(server):
    async with server.board() as client:
        update = await client.receive()
    assert update["type"] == "slots_update"
    assert update["timestamp"] == "2031-01-15T08:00:00+00:00"
    data = update["data"]
    assert [s["id"] for s in data["slots"]] == ALL
    assert data["slots"][0] == {
        "id": 3,
        "start_time": "03:00",
        "end_time": "04:00",
        "is_booked": False,
        "is_available": False,
    }
    assert data["slots"][-1]["start_time"] == "14:00"
    assert data["slots"][-1]["end_time"] == "15:00"
    assert data["available_slots"] == BOOKABLE
    assert data["booked_slots"] == []
    assert data["date"] == "2031-01-15"


async def test_booking_a_slot_updates_everyone_then_answers_the_sender(server, board):
    async with server.board() as watcher:
        await watcher.receive()
        await board.send({"type": "book_slot", "slot_id": 9})
        update = await board.receive()
        assert update["type"] == "slots_update"
        assert booked(update) == [9]
        assert 9 not in update["data"]["available_slots"]
        assert next(s for s in update["data"]["slots"] if s["id"] == 9)["is_booked"] is True
        response = await board.receive()
        assert response["type"] == "booking_response"
        assert response["success"] is True
        assert response["message"] == "Slot 9 booked successfully"
        assert response["slot_id"] == 9
        assert response["booking_token"]
        assert booked(await watcher.receive()) == [9]


async def test_a_taken_slot_is_not_available(board):
    await board.ask({"type": "book_slot", "slot_id": 9})
    await board.receive()
    response = await board.ask({"type": "book_slot", "slot_id": 9})
    assert response == {
        "type": "booking_response",
        "success": False,
        "message": "Slot 9 is not available",
        "slot_id": 9,
    }


async def test_a_slot_that_has_begun_says_so(board):
    for slot in [5, 7]:
        response = await board.ask({"type": "book_slot", "slot_id": slot})
        assert response == {
            "type": "booking_response",
            "success": False,
            "message": f"Slot {slot} has already started",
            "slot_id": slot,
        }


async def test_unknown_slots_are_not_available(board):
    for slot in [2, 15, 99, -1, 1440, 9.5, True, "abc", [9]]:
        response = await board.ask({"type": "book_slot", "slot_id": slot})
        assert response["type"] == "booking_response"
        assert response["success"] is False
        assert response["message"] == f"Slot {slot} is not available"
        assert response["slot_id"] == (slot if isinstance(slot, int | float | str) else str(slot))


async def test_the_slot_id_may_be_a_string_of_digits(board):
    update = await board.ask({"type": "book_slot", "slot_id": "10"})
    assert booked(update) == [10]
    response = await board.receive()
    assert response["message"] == "Slot 10 booked successfully"
    assert response["slot_id"] == 10


async def test_cancelling_a_booked_slot_frees_it_for_everyone(server, board):
    await board.ask({"type": "book_slot", "slot_id": 9})
    await board.receive()
    async with server.board() as watcher:
        assert booked(await watcher.receive()) == [9]
        update = await board.ask({"type": "cancel_slot", "slot_id": 9})
        assert update["type"] == "slots_update"
        assert booked(update) == []
        assert 9 in update["data"]["available_slots"]
        assert await board.receive() == {
            "type": "cancellation_response",
            "success": True,
            "message": "Slot 9 booking cancelled successfully",
            "slot_id": 9,
        }
        assert booked(await watcher.receive()) == []


async def test_cancelling_a_slot_that_is_not_booked_fails(board):
    for slot in [9, 5, 99, "abc"]:
        response = await board.ask({"type": "cancel_slot", "slot_id": slot})
        assert response == {
            "type": "cancellation_response",
            "success": False,
            "message": f"Slot {slot} was not booked",
            "slot_id": slot,
        }


async def test_get_slots_sends_the_current_state_to_the_sender(board):
    await board.ask({"type": "book_slot", "slot_id": 12})
    await board.receive()
    update = await board.ask({"type": "get_slots"})
    assert update["type"] == "slots_update"
    assert booked(update) == [12]


BAD_REQUESTS = [
    ({"type": "book_slot"}, "Missing slot_id in booking request"),
    ({"type": "book_slot", "slot_id": None}, "Missing slot_id in booking request"),
    ({"type": "cancel_slot"}, "Missing slot_id in cancellation request"),
    ({"type": "reserve_slot", "slot_id": 9}, "Unknown message type: reserve_slot"),
    ({"slot_id": 9}, "Unknown message type: None"),
    ("{not json", "Invalid JSON format"),
    ("", "Invalid JSON format"),
    ("[1, 2]", "Invalid JSON format"),
    ('"book_slot"', "Invalid JSON format"),
    (b"\xff\xfe", "Invalid JSON format"),
]


async def test_bad_requests_get_an_error_and_the_connection_stays_open(board):
    for frame, message in BAD_REQUESTS:
        assert await board.ask(frame) == {"type": "error", "message": message}
    assert (await board.ask({"type": "get_slots"}))["type"] == "slots_update"


async def test_a_request_may_come_as_a_binary_frame(board):
    update = await board.ask(b'{"type": "book_slot", "slot_id": 11}')
    assert booked(update) == [11]


async def test_a_reconnecting_client_gets_the_full_state_first(server, board):
    async with server.board() as leaving:
        await leaving.receive()
    await board.ask({"type": "book_slot", "slot_id": 13})
    async with server.board() as returning:
        update = await returning.receive()
    assert update["type"] == "slots_update"
    assert booked(update) == [13]


async def test_the_board_day_is_today_in_its_zone_evaluated_per_message(server, board, clock):
    clock.set(datetime(2031, 1, 16, 2, 0, tzinfo=UTC))  # past midnight: a new day
    update = await board.ask({"type": "get_slots"})
    assert update["data"]["date"] == "2031-01-16"
    assert update["data"]["available_slots"] == ALL
    async with server.board(date="2031-01-16") as that_day:
        await that_day.receive()
        await board.ask({"type": "book_slot", "slot_id": 3})
        assert booked(await that_day.receive()) == [3]


async def test_a_board_in_another_zone_rolls_over_at_its_own_midnight(settings, clock):
    zoned = settings.model_copy(update={"board_timezone": "Pacific/Auckland"})
    async with live_server(zoned, clock) as running, running.board() as client:
        update = await client.receive()  # 08:00 UTC is 21:00 on the 15th in Auckland:
        assert update["data"]["date"] == "2031-01-16"  # its last slot has begun: the 16th
        assert update["data"]["available_slots"] == ALL
        clock.set(datetime(2031, 1, 15, 14, 0, tzinfo=UTC))  # 03:00 on the 16th there
        update = await client.ask({"type": "get_slots"})
        assert update["data"]["date"] == "2031-01-16"
        assert update["data"]["available_slots"] == ALL
        assert update["data"]["slots"][0]["start_time"] == "03:00"


async def test_the_default_board_rolls_over_once_its_last_slot_has_begun(server, board, clock):
    clock.set(datetime(2031, 1, 15, 13, 59, tzinfo=UTC))  # slot 14 has not begun
    update = await board.ask({"type": "get_slots"})
    assert update["data"]["date"] == "2031-01-15"
    assert update["data"]["available_slots"] == [14]
    clock.set(datetime(2031, 1, 15, 14, 0, tzinfo=UTC))  # the last slot begins
    update = await board.ask({"type": "get_slots"})
    assert update["data"]["date"] == "2031-01-16"
    assert update["data"]["available_slots"] == ALL
    booked_now = await board.ask({"type": "book_slot", "slot_id": 3})  # the 16th's 03:00
    assert booked(booked_now) == [3]
    assert (await board.receive())["message"] == "Slot 3 booked successfully"
    async with server.http() as http:
        status = (await http.get("/")).json()
    assert status["booked_slots"] == [3]
