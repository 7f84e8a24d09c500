"""The public API the owner's console is built on: the calendars one manages, a
calendar's hours read, replaced and previewed, its bookings listed and searched, a
booking's history, moving and cancelling by id, and the live change feed — always with a
bearer token, a provider for their own calendar and an admin for any; a patient never."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx

from tests.support.accounts import FAST_HASHING, Account, sign_up, sign_up_at
from tests.support.live import PATIENCE
from tests.support.owners import DAY, owner_calendar
from tests.support.servers import running_servers

MON_FRI = {
    "weekly": [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)],
    "exceptions": [{"date": "2031-01-22", "ranges": []}],
    "extra": [{"date": "2031-01-25", "ranges": [{"start": "10:00", "end": "12:00"}]}],
}


async def provider_and_calendar(client: httpx.AsyncClient) -> tuple[Account, int]:
    provider = await sign_up(client, "provider")
    mine = await client.get("/api/v1/calendars", headers=provider.headers)
    assert mine.status_code == 200, mine.text
    [calendar] = mine.json()
    assert calendar["kind"] == "provider" and calendar["user_id"] == provider.id
    return provider, calendar["id"]


async def book(client: httpx.AsyncClient, calendar_id: int, start_at: str, name: str) -> dict:
    """A booking of a public calendar, as the booking pages make it."""
    made = await client.post(
        f"/api/v1/calendars/{calendar_id}/bookings",
        json={"start_at": start_at, "name": name, "email": f"{name.lower()}@example.com"},
    )
    assert made.status_code == 201, made.text
    return made.json()


async def test_a_provider_sees_their_calendar_an_admin_every_one_searchable(client):
    admin = await sign_up(client, "admin")
    await provider_and_calendar(client)
    alice = await owner_calendar(client, "alice")
    await client.post("/api/v1/providers", json={"name": "Dr Who", "email": "who@example.com"})
    every = await client.get("/api/v1/calendars", headers=admin.headers)
    assert {c["kind"] for c in every.json()} >= {"owner", "provider"}
    found = await client.get("/api/v1/calendars", params={"q": "ALI"}, headers=admin.headers)
    assert [c["id"] for c in found.json()] == [alice]
    assert (
        await client.get("/api/v1/calendars", params={"q": "%"}, headers=admin.headers)
    ).json() == []


async def test_a_patient_or_nobody_gets_no_console_data(client):
    _, calendar_id = await provider_and_calendar(client)
    patient = await sign_up(client, "patient")
    paths = [
        "/api/v1/calendars",
        f"/api/v1/calendars/{calendar_id}/hours",
        f"/api/v1/calendars/{calendar_id}/bookings",
        f"/api/v1/calendars/{calendar_id}/changes",
    ]
    for path in paths:
        denied = await client.get(path, headers=patient.headers)
        assert denied.status_code == 403, path
        assert "patient" in denied.json()["detail"]
        assert (await client.get(path)).status_code == 401, path
    other = await sign_up(client, "provider", "other@example.com")
    foreign = await client.get(f"/api/v1/calendars/{calendar_id}/hours", headers=other.headers)
    assert foreign.status_code == 403


async def test_hours_are_replaced_whole_and_read_back_and_the_preview_offers_them(client):
    admin = await sign_up(client, "admin")
    calendar_id = await owner_calendar(client, "alice")
    path = f"/api/v1/calendars/{calendar_id}/hours"
    preview = await client.post(f"{path}/preview", json=MON_FRI, headers=admin.headers)
    assert preview.status_code == 200, preview.text
    days = {d["date"]: [s["start_time"] for s in d["slots"]] for d in preview.json()["days"]}
    assert len(days) == 14
    assert days[DAY] == [f"{h:02}:00" for h in range(9, 17)]
    assert days["2031-01-22"] == []  # closed
    assert days["2031-01-25"] == ["10:00", "11:00"]  # a Saturday, extra
    assert days["2031-01-26"] == []
    # nothing was saved: the daily 09-17 hours still hold
    assert len((await client.get(path, headers=admin.headers)).json()["weekly"]) == 7
    saved = await client.put(path, json=MON_FRI, headers=admin.headers)
    assert saved.status_code == 200, saved.text
    assert saved.json() == (await client.get(path, headers=admin.headers)).json()
    assert saved.json()["exceptions"] == MON_FRI["exceptions"]
    assert [r["weekday"] for r in saved.json()["weekly"]] == [0, 1, 2, 3, 4]
    public = await client.get(
        f"/api/v1/calendars/{calendar_id}/slots", params={"date": "2031-01-22"}
    )
    assert public.json()["slots"] == []


async def test_bad_hours_name_the_problem_and_change_nothing(client):
    provider, calendar_id = await provider_and_calendar(client)
    path = f"/api/v1/calendars/{calendar_id}/hours"
    backwards = {"weekly": [{"weekday": 0, "start": "17:00", "end": "09:00"}]}
    refused = await client.put(path, json=backwards, headers=provider.headers)
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Start time must be before end time"
    malformed = await client.put(
        path,
        json={"weekly": [{"weekday": 9, "start": "9am", "end": "17:00"}]},
        headers=provider.headers,
    )
    assert malformed.status_code == 422
    assert (await client.get(path, headers=provider.headers)).json()["weekly"] == []


async def test_bookings_are_listed_filtered_and_searched(client):
    admin = await sign_up(client, "admin")
    calendar_id = await owner_calendar(client, "alice")
    ada = await book(client, calendar_id, f"{DAY}T09:00:00+00:00", "Ada")
    await book(client, calendar_id, f"{DAY}T10:00:00+00:00", "Bob")
    await book(client, calendar_id, "2031-01-21T10:00:00+00:00", "Cyd")
    await client.delete(f"/api/v1/bookings/{ada['booking_token']}")
    path = f"/api/v1/calendars/{calendar_id}/bookings"

    async def names(**params: object) -> list[str]:
        found = await client.get(path, params=params, headers=admin.headers)
        assert found.status_code == 200, found.text
        assert all(b["booking_token"] is None for b in found.json())
        return [b["attendee_name"] for b in found.json()]

    assert await names() == ["Ada", "Bob", "Cyd"]
    assert await names(status="confirmed") == ["Bob", "Cyd"]
    assert await names(status="cancelled") == ["Ada"]
    assert await names(start_date=DAY, end_date=DAY) == ["Ada", "Bob"]
    assert await names(q="CYD@EX") == ["Cyd"]


async def test_a_manager_moves_and_cancels_by_id_and_the_history_shows_it(client):
    admin = await sign_up(client, "admin")
    calendar_id = await owner_calendar(client, "alice")
    made = await book(client, calendar_id, f"{DAY}T09:00:00+00:00", "Ada")
    base = f"/api/v1/bookings/{made['id']}"
    moved = await client.post(
        f"{base}/move", json={"start_at": f"{DAY}T11:00:00+00:00"}, headers=admin.headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["start_time"] == "11:00:00"
    other = await book(client, calendar_id, f"{DAY}T12:00:00+00:00", "Bob")
    taken = await client.post(
        f"{base}/move", json={"start_at": other["start_at"]}, headers=admin.headers
    )
    assert taken.status_code == 409
    cancelled = await client.post(f"{base}/cancel", headers=admin.headers)
    assert cancelled.json()["status"] == "cancelled"
    seen = await client.get(f"/api/v1/bookings/{made['booking_token']}")
    assert seen.json()["status"] == "cancelled" and seen.json()["start_time"] == "11:00:00"
    again = await client.post(f"{base}/cancel", headers=admin.headers)
    assert again.status_code == 409
    history = await client.get(f"{base}/history", headers=admin.headers)
    assert [e["type"] for e in history.json()] == [
        "booking.created",
        "booking.moved",
        "booking.cancelled",
    ]
    patient = await sign_up(client, "patient")
    assert (await client.get(f"{base}/history", headers=patient.headers)).status_code == 403


async def test_the_change_feed_tells_of_a_booking_made_elsewhere(server):
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        admin = await sign_up(client, "admin")
        calendar_id = await owner_calendar(client, "alice")
        path = f"/api/v1/calendars/{calendar_id}/changes"
        async with client.stream("GET", path, headers=admin.headers) as feed:
            assert feed.headers["content-type"].startswith("text/event-stream")
            lines = feed.aiter_lines()
            assert await anext(lines) == "event: ready"
            await book(client, calendar_id, f"{DAY}T09:00:00+00:00", "Ada")

            async def next_change() -> dict:
                async for line in lines:
                    if line.startswith("data:") and "dates" in line:
                        return json.loads(line[5:])
                raise AssertionError("the feed ended")

            change = await asyncio.wait_for(next_change(), timeout=10)
            assert change == {"dates": [DAY]}


async def test_the_change_feed_hears_a_booking_made_by_another_server_process(database_url):
    day = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()  # real servers, real clock
    with running_servers(database_url, count=2, env=FAST_HASHING) as (a, b):
        async with httpx.AsyncClient(timeout=10) as http:
            _, headers = await sign_up_at(http, a, "admin", "admin@example.com")
            body = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
            assert (await http.post(f"{a}/api/v1/availability", json=body)).status_code == 200
            page = await http.get(f"{a}/book/owner/alice")
            calendar_id = int(page.headers["location"].rsplit("/", 1)[1])
            feed_path = f"{a}/api/v1/calendars/{calendar_id}/changes"
            async with http.stream("GET", feed_path, headers=headers) as feed:
                lines = feed.aiter_lines()
                assert await anext(lines) == "event: ready"
                made = await http.post(
                    f"{b}/api/v1/calendars/{calendar_id}/bookings",
                    json={"start_at": f"{day}T09:00:00+00:00", "name": "Ada", "email": "a@b.co"},
                )
                assert made.status_code == 201, made.text

                async def next_change() -> dict:
                    async for line in lines:
                        if line.startswith("data:") and "dates" in line:
                            return json.loads(line[5:])
                    raise AssertionError("the feed ended")

                assert await asyncio.wait_for(next_change(), timeout=PATIENCE) == {"dates": [day]}


async def test_the_waitlist_of_a_calendar_lists_who_is_in_line_in_order(client):
    admin = await sign_up(client, "admin")
    event = await client.post(
        "/api/v1/events",
        json={
            "name": "Talk",
            "event_date": DAY,
            "time_slots": [{"start_time": "09:00", "end_time": "10:00", "max_capacity": 1}],
        },
    )
    event_id, slot_id = event.json()["id"], event.json()["time_slots"][0]["id"]
    seat = {"attendee_name": "Ada", "time_slot_id": slot_id, "email": "ada@example.com"}
    assert (await client.post("/api/v1/bookings", json=seat)).status_code == 201
    for name in ("Bob", "Cyd"):
        line = {"time_slot_id": slot_id, "name": name, "email": f"{name.lower()}@example.com"}
        assert (await client.post("/api/v1/waitlist", json=line)).status_code == 201
    path = f"/api/v1/calendars/{event_id}/waitlist"
    listed = await client.get(path, headers=admin.headers)
    assert listed.status_code == 200, listed.text
    assert [(e["name"], e["status"], e["position"]) for e in listed.json()] == [
        ("Bob", "waiting", 1),
        ("Cyd", "waiting", 2),
    ]
    patient = await sign_up(client, "patient")
    assert (await client.get(path, headers=patient.headers)).status_code == 403
    assert (await client.get(path)).status_code == 401
