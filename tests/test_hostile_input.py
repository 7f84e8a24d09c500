"""Inputs that used to be server errors (the issue's 34): each is now a 4xx naming the
problem, on both databases; the WebSocket answers an `error` and stays open."""

import pytest
import websockets

from tests.support.accounts import bearer, sign_up

HUGE = "9223372036854775808"
DAYS_AT_THE_ENDS = ["9999-12-31", "0001-01-01"]
BAD_ZONES = ["Etc", "America", "__pycache__", "A" * 300, "../../etc/passwd", "UTC\u00e9"]


@pytest.fixture
async def world(client):
    """A 001 owner, a 002 provider, a 004 provider and patient, an event."""
    hours = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
    assert (await client.post("/api/v1/availability", json=hours)).status_code == 200
    created = await client.post("/api/v1/providers", json={"name": "P", "email": "p@x.org"})
    assert created.status_code == 201
    provider = await sign_up(client, "provider")
    patient = await sign_up(client, "patient")
    return {"provider": provider, "patient": patient, "provider_calendar": created.json()["id"]}


def assert_client_error(answer) -> None:
    assert 400 <= answer.status_code < 500, (answer.request.url, answer.status_code, answer.text)
    assert answer.json()  # in the surface's JSON shape


@pytest.mark.parametrize(
    "path",
    ["/api/v1/providers", "/api/v1/events", "/providers", "/api/v1/bookings"],
)
async def test_a_huge_offset_on_a_paged_list_is_a_4xx(client, world, path):
    admin = await sign_up(client, "admin")
    answer = await client.get(f"{path}?offset={HUGE}", headers=admin.headers)
    assert_client_error(answer)


async def test_dates_at_the_ends_of_the_calendar_are_4xx_everywhere(client, world):
    patient, provider = world["patient"], world["provider"]
    for day in DAYS_AT_THE_ENDS:
        answers = [
            await client.get(f"/api/v1/slots?calendar_owner_id=alice&for_date={day}"),
            await client.get(f"/api/v1/bookings?date_from={day}&date_to={day}"),
            await client.post(
                "/api/v1/events",
                json={
                    "name": "E",
                    "event_date": day,
                    "time_slots": [{"start_time": "09:00", "end_time": "10:00", "max_capacity": 1}],
                },
            ),
            await client.get(
                f"/providers/{provider.id}/time-slots?start_date={day}&end_date={day}",
                headers=patient.headers,
            ),
            await client.get(
                f"/providers/{provider.id}/booked-appointments?start_date={day}",
                headers=provider.headers,
            ),
            await client.post(
                "/appointments/reserve",
                json={"provider_id": provider.id, "start_time": f"{day}T10:00:00"},
                headers=patient.headers,
            ),
            await client.get(f"/api/v1/calendars/{world['provider_calendar']}/slots?date={day}"),
            await client.post(
                "/api/v1/appointments",
                json={
                    "calendar_owner_id": "alice",
                    "invitee_name": "I",
                    "invitee_email": "i@x.org",
                    "date": day,
                    "slot_start_time": "10:00",
                },
            ),
            await client.post(
                "/api/v1/bookings",
                json={"provider_id": world["provider_calendar"], "date": day, "time": "10:00"},
            ),
        ]
        for answer in answers:
            assert_client_error(answer)


async def test_zone_names_that_are_not_iana_zones_are_4xx(client, world):
    patient = world["patient"]
    for zone in BAD_ZONES:
        hours = {
            "calendar_owner_id": "bob",
            "start_time": "09:00",
            "end_time": "17:00",
            "timezone": zone,
        }
        answers = [
            await client.post("/api/v1/availability", json=hours),
            await client.post(
                "/api/v1/providers", json={"name": "Q", "email": "q@x.org", "timezone": zone}
            ),
            await client.get(
                f"/api/v1/calendars/{world['provider_calendar']}/slots",
                params={"date": "2031-01-20", "tz": zone},
            ),
            await client.post(
                f"/providers/{world['provider'].id}/availability",
                json={"timezone": zone},
                headers=world["provider"].headers,
            ),
            await client.post(
                "/api/v1/events",
                json={
                    "name": "E",
                    "event_date": "2031-01-20",
                    "timezone": zone,
                    "time_slots": [{"start_time": "09:00", "end_time": "10:00", "max_capacity": 1}],
                },
            ),
        ]
        for answer in answers:
            assert answer.status_code != 500, (zone, answer.text)
            assert_client_error(answer)
    assert (await client.get("/providers/1/time-slots", headers=patient.headers)).status_code != 500


async def test_a_forged_subject_out_of_the_id_range_is_401(client):
    answer = await client.get("/providers", headers=bearer("x.y.z"))
    assert answer.status_code == 401


async def test_true_is_not_a_number_and_numbers_are_not_dates(client):
    event = {
        "name": "E",
        "event_date": "2031-01-20",
        "time_slots": [{"start_time": "09:00", "end_time": "10:00", "max_capacity": True}],
    }
    answer = await client.post("/api/v1/events", json=event)
    assert answer.status_code == 422 and "max_capacity" in answer.text
    event["time_slots"][0]["max_capacity"] = 1
    event["event_date"] = 1_950_000_000
    answer = await client.post("/api/v1/events", json=event)
    assert answer.status_code == 422 and "event_date" in answer.text
    provider = {"name": "P", "email": "p2@x.org", "slot_minutes": True}
    assert (await client.post("/api/v1/providers", json=provider)).status_code == 400


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ('{"type": "book_slot", "slot_id": NaN}', "Invalid JSON format"),
        ('{"type": "book_slot", "slot_id": Infinity}', "Invalid JSON format"),
        ('{"type": "book_slot", "slot_id": -Infinity}', "Invalid JSON format"),
        (
            '{"type": "book_slot", "slot_id": 1e400}',
            "Invalid slot_id: inf is not a number a slot can have",
        ),
        ("[" * 2040 + "]" * 2040, "Invalid JSON format"),
        (
            '{"type": "book_slot", "slot_id": ' + "[" * 2000 + "]" * 2000 + "}",
            "Invalid JSON format",
        ),
    ],
)
async def test_hostile_board_frames_get_an_error_and_the_connection_stays_open(
    server, frame, message
):
    async with server.board() as board:
        assert (await board.receive())["type"] == "slots_update"
        assert await board.ask(frame) == {"type": "error", "message": message}
        assert (await board.ask({"type": "get_slots"}))["type"] == "slots_update"


@pytest.mark.parametrize("day", DAYS_AT_THE_ENDS)
async def test_a_board_day_at_the_ends_of_the_calendar_is_explained_then_closed(server, day):
    async with server.board(date=day) as board:
        assert await board.receive() == {
            "type": "error",
            "message": f"Invalid date: {day} (must be a date between 1900-01-01 and 9000-12-31)",
        }
        with pytest.raises(websockets.ConnectionClosed):
            await board.receive()


async def test_a_superscript_digit_is_not_a_slot_id(server):
    async with server.board() as board:
        await board.receive()
        answer = await board.ask({"type": "book_slot", "slot_id": "²"})
        assert answer["success"] is False and answer["message"] == "Slot ² is not available"


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/api/v1/providers", "application/json", b"\xd2"),
        ("/api/v1/events", "application/json", b"\xa5\x85"),
        ("/api/v1/bookings", "application/json", b"{\xff}"),
        ("/token", "multipart/form-data", b"username=a&password=b"),
    ],
)
async def test_an_unparsable_body_is_a_4xx(client, path, content_type, body):
    """Found by Schemathesis: bodies FastAPI cannot parse stay FastAPI's 400s."""
    answer = await client.post(path, content=body, headers={"Content-Type": content_type})
    assert_client_error(answer)
