"""Calendar feeds and booking files: RFC 5545 that `icalendar` parses, right across DST,
stable UIDs with a growing SEQUENCE, and feeds that can be revoked."""

import asyncio
import os
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar

from tests.support.accounts import sign_up
from tests.support.servers import SRC

BERLIN = ZoneInfo("Europe/Berlin")


async def owner_calendar(client: httpx.AsyncClient, zone: str = "Europe/Berlin") -> int:
    """Alice's 001 calendar (09:00-17:00 in `zone`); its id."""
    hours = {
        "calendar_owner_id": "alice",
        "start_time": "09:00",
        "end_time": "17:00",
        "timezone": zone,
    }
    assert (await client.post("/api/v1/availability", json=hours)).status_code == 200
    made = await appointment(client, "2031-01-20", "10:00")
    return (await client.get(f"/api/v1/bookings/{made['booking_token']}")).json()["calendar_id"]


async def appointment(client: httpx.AsyncClient, day: str, start: str, name: str = "Bob") -> dict:
    made = await client.post(
        "/api/v1/appointments",
        json={
            "calendar_owner_id": "alice",
            "invitee_name": name,
            "invitee_email": "bob@example.com",
            "date": day,
            "slot_start_time": start,
        },
    )
    assert made.status_code == 200, made.text
    return made.json()


async def feed_url(client: httpx.AsyncClient, calendar_id: int, headers: dict) -> str:
    issued = await client.post(f"/api/v1/calendars/{calendar_id}/feed", headers=headers)
    assert issued.status_code == 200, issued.text
    return issued.json()["url"]


async def parsed(client: httpx.AsyncClient, url: str) -> Calendar:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def by_summary(ical: Calendar) -> dict[str, object]:
    return {str(e["SUMMARY"]): e for e in ical.events}


async def test_a_feed_lists_the_calendars_active_bookings_with_matching_time_zones(client):
    calendar_id = await owner_calendar(client)
    cancelled = await appointment(client, "2031-01-21", "11:00", name="Carol")
    await client.delete(f"/api/v1/bookings/{cancelled['booking_token']}")
    admin = await sign_up(client, "admin")  # in open mode an admin issues 001 owners' feeds
    ical = await parsed(client, await feed_url(client, calendar_id, admin.headers))
    assert list(by_summary(ical)) == ["Bob"]
    assert [str(tz["TZID"]) for tz in ical.timezones] == ["Europe/Berlin"]
    event = ical.events[0]
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.start == datetime(2031, 1, 20, 10, tzinfo=BERLIN)


async def test_bookings_on_dst_change_days_have_the_right_local_and_utc_times(client):
    calendar_id = await owner_calendar(client)
    # Berlin: summer time starts 2031-03-30 02:00 (+01:00 -> +02:00), ends 2031-10-26 03:00
    for day, name in (("2031-03-29", "Sat"), ("2031-03-30", "Sun"), ("2031-10-26", "Autumn")):
        await appointment(client, day, "09:00", name=name)
    admin = await sign_up(client, "admin")
    ical = await parsed(client, await feed_url(client, calendar_id, admin.headers))
    events = by_summary(ical)
    expected = {
        "Sat": datetime(2031, 3, 29, 8, tzinfo=UTC),
        "Sun": datetime(2031, 3, 30, 7, tzinfo=UTC),
        "Autumn": datetime(2031, 10, 26, 8, tzinfo=UTC),
    }
    for name, utc in expected.items():
        event = events[name]
        assert (event.start.hour, event.start.minute) == (9, 0)  # local wall clock
        assert event.start.astimezone(UTC) == utc
        assert (event.end.astimezone(UTC) - utc).total_seconds() == 3600
    # the VTIMEZONE itself (not only the parser's own zone data) gives those offsets
    zone = ical.timezones[0].to_tz()
    assert datetime(2031, 3, 30, 9, tzinfo=zone).utcoffset().total_seconds() == 7200
    assert datetime(2031, 3, 29, 9, tzinfo=zone).utcoffset().total_seconds() == 3600


async def test_a_moved_booking_keeps_its_uid_with_a_higher_sequence(client):
    calendar_id = await owner_calendar(client)
    made = await appointment(client, "2031-01-22", "11:00", name="Mover")
    path = f"/api/v1/bookings/{made['booking_token']}/calendar.ics"
    before = await parsed(client, path)
    assert str(before["METHOD"]) == "PUBLISH"
    assert len(before.events) == 1
    moved = await client.put(
        f"/api/v1/bookings/{made['booking_token']}", json={"new_time": "14:00"}
    )
    assert moved.status_code == 200
    after = await parsed(client, path)
    old, new = before.events[0], after.events[0]
    assert new.uid == old.uid
    assert new.sequence > old.sequence
    assert new.start == datetime(2031, 1, 22, 14, tzinfo=BERLIN)
    admin = await sign_up(client, "admin")
    in_feed = by_summary(await parsed(client, await feed_url(client, calendar_id, admin.headers)))
    assert in_feed["Mover"].uid == old.uid
    assert in_feed["Mover"].sequence == new.sequence


async def test_a_revoked_or_replaced_feed_is_404(client):
    calendar_id = await owner_calendar(client)
    admin = await sign_up(client, "admin")
    first = await feed_url(client, calendar_id, admin.headers)
    second = await feed_url(client, calendar_id, admin.headers)
    assert (await client.get(first)).status_code == 404  # a new URL replaces the old one
    assert (await client.get(second)).status_code == 200
    revoked = await client.delete(f"/api/v1/calendars/{calendar_id}/feed", headers=admin.headers)
    assert revoked.status_code == 204
    gone = await client.get(second)
    assert gone.status_code == 404
    assert gone.json()["code"] == "feed_not_found"
    again = await client.delete(f"/api/v1/calendars/{calendar_id}/feed", headers=admin.headers)
    assert again.status_code == 404


async def test_feeds_are_issued_to_the_calendars_owner_or_an_admin_only(client):
    provider = await sign_up(client, "provider")
    other = await sign_up(client, "provider", "other@example.com")
    admin = await sign_up(client, "admin")
    listed = (await client.get("/providers", headers=admin.headers)).json()
    calendar_id = next(p["calendar_id"] for p in listed if p["id"] == provider.id)
    path = f"/api/v1/calendars/{calendar_id}/feed"
    assert (await client.post(path)).status_code == 401
    assert (await client.post(path, headers=other.headers)).status_code == 403
    assert (await client.post(path, headers=provider.headers)).status_code == 200
    assert (
        await client.post("/api/v1/calendars/999/feed", headers=admin.headers)
    ).status_code == 404


async def test_an_unknown_booking_or_feed_is_404(client):
    assert (await client.get("/api/v1/bookings/nope/calendar.ics")).status_code == 404
    assert (await client.get("/api/v1/feeds/nope.ics")).status_code == 404


async def feed_url_command(database_url: str, *args: str) -> tuple[int, str, str]:
    """`slotbook feed-url ARGS` in a process of its own: (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTBOOK_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "slotbook",
        "feed-url",
        *args,
        env=env | {"PYTHONPATH": str(SRC), "SLOTBOOK_DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_the_cli_prints_a_working_feed_url(client, settings):
    calendar_id = await owner_calendar(client)
    code, out, err = await feed_url_command(
        settings.database_url, str(calendar_id), "--base-url", "http://x"
    )
    assert code == 0, err
    url = out.strip()
    assert url.startswith("http://x/api/v1/feeds/") and url.endswith(".ics")
    assert len((await parsed(client, url.removeprefix("http://x"))).events) == 1
    code, _, err = await feed_url_command(settings.database_url, "999")
    assert code == 1
    assert "Calendar not found" in err
