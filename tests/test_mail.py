"""Email on the outbox, against a real SMTP server (aiosmtpd on loopback): confirmations
with calendar invites, updates and cancellations, reminders, owner notices, lost links,
retries and failures. The app runs in the test's loop on the test's clock."""

import asyncio
import re
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import astuple
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from asgi_lifespan import LifespanManager

from slotbook.app import create_app
from slotbook.cli import startup_line
from slotbook.notify.mail.transport import SmtpServer
from slotbook.observability.checks import run_checks
from slotbook.settings import Settings
from tests.support.accounts import sign_in, sign_up
from tests.support.clock import FrozenClock
from tests.support.events import book_seat, create_event
from tests.support.owners import appointment, owner_calendar, set_rules
from tests.support.reservations import open_clinic
from tests.support.servers import free_port
from tests.support.smtp import Inbox, invite, smtp_server, text_of

SENDER = "Bookings <bookings@example.com>"
PUBLIC = "https://book.example.com"


def mail_settings(database_url: str, smtp_url: str, **more: object) -> Settings:
    return Settings(
        database_url=database_url,
        smtp_url=smtp_url,
        mail_from=SENDER,
        public_url=PUBLIC,
        dispatch_interval_seconds=0.05,
        access_token_expire_minutes=10**6,  # the clock jumps days ahead
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        _env_file=None,
        **more,
    )


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mail_settings(database_url, inbox.url)


@asynccontextmanager
async def instance(settings: Settings, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    """One more app (another instance: its own engine and dispatcher) on the database."""
    app = create_app(settings, clock=clock)
    async with (
        LifespanManager(app, startup_timeout=30) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://slotbook.test"
        ) as http,
    ):
        yield http


async def admin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    admin = await sign_up(client, "admin", "root@example.com")
    return admin.headers


async def outbox(
    client: httpx.AsyncClient, headers: dict[str, str], status: str, *, reminders: bool = False
) -> list[dict]:
    """The messages of `status`, reminders aside unless asked for (each booking has one,
    due the day before)."""
    answer = await client.get(
        "/api/v1/admin/outbox", params={"status": status, "limit": 500}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return [m for m in answer.json() if reminders or m["kind"] != "reminder"]


async def until_listed(
    client: httpx.AsyncClient, headers: dict, status: str, done, *, reminders: bool = False
) -> list:
    """Wait, with a deadline, until the admin outbox's `status` list satisfies `done`."""
    async with asyncio.timeout(10):
        while not done(listed := await outbox(client, headers, status, reminders=reminders)):  # noqa: ASYNC110 - polling the server
            await asyncio.sleep(0.02)
    return listed


async def seat_booking(client: httpx.AsyncClient, email: str, *slots: tuple[str, str, int]):
    event = await create_event(client, *(slots or [("09:00", "10:00", 10)]))
    made = await book_seat(client, event["time_slots"][0]["id"], email=email)
    assert made.status_code == 201, made.text
    return event, made.json()


async def test_each_surface_with_an_email_sends_exactly_one_confirmation(client, inbox):
    calendar_id = await owner_calendar(client)
    assert (await appointment(client, "10:00")).status_code == 200  # 001: bob@
    page = await client.post(  # the booking pages: eve@
        f"/api/v1/calendars/{calendar_id}/bookings",
        json={"start_at": "2031-01-20T12:00:00+00:00", "name": "Eve", "email": "eve@example.com"},
    )
    assert page.status_code == 201, page.text
    await seat_booking(client, "ada@example.com")  # 003
    clinic = await open_clinic(client, "2031-01-20")  # 004: pat@, reserve then confirm
    held = await clinic.reserve(client, "11:00")
    assert held.status_code in (200, 201), held.text
    slot_id = held.json()["slot_id"]
    confirmed = await client.post(
        "/appointments/confirm", json={"slot_id": slot_id}, headers=clinic.patient.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    bookers = ["bob@example.com", "eve@example.com", "ada@example.com", "pat@example.com"]
    await inbox.until(lambda i: all(i.to(b, "Booking confirmed") for b in bookers))
    await inbox.until(lambda i: bool(i.to("doc@example.com", "New booking")))  # 004 owner
    headers = {"Authorization": f"Bearer {await sign_in(client, 'root@example.com')}"}
    await until_listed(client, headers, "pending", lambda ms: ms == [])  # nothing more to come
    for booker in bookers:
        assert len(inbox.to(booker, "Booking confirmed")) == 1
    assert len(inbox.to("pat@example.com", "Held for you")) == 1
    confirmation = inbox.to("ada@example.com", "Booking confirmed")[0]
    assert confirmation["From"] == SENDER
    assert re.search(rf"{PUBLIC}/manage/\S+", text_of(confirmation))
    assert confirmation.get_body(("html",)) is not None
    parsed = invite(confirmation)
    assert parsed["METHOD"] == "REQUEST"
    [event] = parsed.walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:bookings@example.com"
    assert str(event["ATTENDEE"]) == "mailto:ada@example.com"


@pytest.mark.parametrize(
    ("zone", "day", "utc_hour"),
    [("Europe/Berlin", "2031-03-30", 8), ("America/New_York", "2031-03-09", 14)],
)
async def test_the_invite_on_a_dst_day_has_the_right_local_and_utc_times(
    client, inbox, clock, zone, day, utc_hour
):
    clock.set(datetime(2031, 3, 1, 8, 0, tzinfo=UTC))
    calendar_id = await owner_calendar(client)
    await set_rules(client, calendar_id, timezone=zone)
    assert (await appointment(client, "10:00", day)).status_code == 200
    await inbox.until(lambda i: bool(i.to("bob@example.com", "Booking confirmed")))
    [message] = inbox.to("bob@example.com", "Booking confirmed")
    parsed = invite(message)
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == [zone]
    [event] = parsed.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute) == (10, 0)
    assert start.tzinfo is not None and str(start.tzinfo) == zone
    assert start.astimezone(UTC) == datetime.fromisoformat(f"{day}T{utc_hour:02d}:00+00:00")
    local = datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=ZoneInfo(zone))
    offset = local.strftime("%z")
    assert f"10:00-11:00 ({zone}, UTC{offset[:3]}:{offset[3:]})" in text_of(message)


async def test_a_move_is_an_update_of_the_same_uid_and_a_cancel_a_method_cancel(client, inbox):
    event, booking = await seat_booking(
        client, "ada@example.com", ("09:00", "10:00", 5), ("11:00", "12:00", 5)
    )
    token = booking["booking_token"]
    moved = await client.put(
        f"/api/v1/bookings/{token}", json={"new_time_slot_id": event["time_slots"][1]["id"]}
    )
    assert moved.status_code == 200, moved.text
    assert (await client.delete(f"/api/v1/bookings/{token}")).status_code in (200, 204)
    await inbox.until(lambda i: len(i.to("ada@example.com")) == 3)
    first, update, cancel = (
        invite(inbox.to("ada@example.com", s)[0])
        for s in ("Booking confirmed", "Booking moved", "Booking cancelled")
    )
    events = [next(iter(c.walk("VEVENT"))) for c in (first, update, cancel)]
    assert len({str(e["UID"]) for e in events}) == 1
    assert [c["METHOD"] for c in (first, update, cancel)] == ["REQUEST", "REQUEST", "CANCEL"]
    assert events[0]["SEQUENCE"] < events[1]["SEQUENCE"] <= events[2]["SEQUENCE"]
    assert events[1].decoded("DTSTART").hour == 11
    assert str(events[2]["STATUS"]) == "CANCELLED"


async def test_the_owner_hears_of_new_moved_and_cancelled_bookings(client, inbox):
    calendar_id = await owner_calendar(client)
    await set_rules(client, calendar_id, email="alice@example.com")
    made = await appointment(client, "10:00")
    token = made.json()["booking_token"]
    assert (await client.put(f"/api/v1/bookings/{token}", json={"new_time": "12:00"})).is_success
    assert (await client.delete(f"/api/v1/bookings/{token}")).is_success
    await inbox.until(lambda i: len(i.to("alice@example.com")) == 3)
    subjects = [str(m["Subject"]).strip().split(":")[0] for m in inbox.to("alice@example.com")]
    assert subjects == ["New booking", "Booking moved", "Booking cancelled"]
    assert "calendar_owner_id=alice" in text_of(inbox.to("alice@example.com")[0])


async def test_reminders_go_once_per_booking_across_two_instances(client, inbox, settings, clock):
    event = await create_event(client, ("09:00", "10:00", 20), ("12:00", "13:00", 20))
    calendar_id = event["id"]
    await set_rules(client, calendar_id, reminder_minutes=60)
    first, second = (s["id"] for s in event["time_slots"])
    tokens = {}
    for who in ("a", "b", "c", "d"):
        made = await book_seat(client, first, email=f"{who}@example.com")
        tokens[who] = made.json()["booking_token"]
    assert (await client.delete(f"/api/v1/bookings/{tokens['c']}")).is_success
    moved = await client.put(f"/api/v1/bookings/{tokens['d']}", json={"new_time_slot_id": second})
    assert moved.is_success
    headers = await admin_headers(client)
    async with instance(settings, clock) as other:
        clock.set(datetime(2031, 1, 20, 7, 59, tzinfo=UTC))  # a minute before 08:00
        await inbox.until(lambda i: len(i.subjects("Booking")) == 6)
        assert inbox.subjects("Reminder") == []
        clock.set(datetime(2031, 1, 20, 8, 0, tzinfo=UTC))  # 09:00 - 60 min
        await inbox.until(lambda i: len(i.subjects("Reminder")) == 2)
        clock.set(datetime(2031, 1, 20, 11, 0, tzinfo=UTC))  # 12:00 - 60 min
        await inbox.until(lambda i: len(i.subjects("Reminder")) == 3)
        await until_listed(other, headers, "pending", lambda ms: ms == [], reminders=True)
    reminded = Counter(m["To"] for m in inbox.subjects("Reminder"))
    assert reminded == {"a@example.com": 1, "b@example.com": 1, "d@example.com": 1}
    assert "12:00-13:00" in str(inbox.to("d@example.com", "Reminder")[0]["Subject"])


async def test_fifty_confirmations_wait_out_a_mail_server_that_is_down(database_url, clock):
    port = free_port()  # nothing listens there yet
    settings = mail_settings(database_url, f"smtp://127.0.0.1:{port}")
    async with instance(settings, clock) as client:
        headers = await admin_headers(client)
        event = await create_event(client, ("09:00", "10:00", 50))
        slot = event["time_slots"][0]["id"]
        for i in range(50):
            assert (await book_seat(client, slot, email=f"p{i}@example.com")).status_code == 201

        await until_listed(
            client, headers, "pending", lambda ms: len(ms) == 50 and all(m["attempts"] for m in ms)
        )
        with smtp_server(port) as inbox:
            clock.advance(minutes=10)
            await inbox.until(lambda i: len(i.messages) >= 50, patience=20)
            await until_listed(client, headers, "pending", lambda ms: ms == [])
    assert Counter(m["To"] for m in inbox.messages) == {f"p{i}@example.com": 1 for i in range(50)}


async def test_a_permanent_reject_fails_at_once_and_admins_see_it(client, inbox, clock):
    headers = await admin_headers(client)
    inbox.refuse = "550 5.1.1 No such mailbox"
    await seat_booking(client, "nobody@example.com")
    [message] = await until_listed(client, headers, "failed", bool)
    assert message["recipient"] == "nobody@example.com"
    assert message["attempts"] == 1 and "550" in message["last_error"]
    patient = await sign_up(client, "patient", "pat@example.com")
    refused = await client.get("/api/v1/admin/outbox", headers=patient.headers)
    assert refused.status_code == 403
    assert (await client.get("/api/v1/admin/outbox")).status_code == 401


async def test_resend_links_answers_alike_and_the_old_link_stops_working(client, inbox):
    _, booking = await seat_booking(client, "ada@example.com")
    old = booking["booking_token"]
    await inbox.until(lambda i: bool(i.to("ada@example.com")))
    unknown = await client.post(
        "/api/v1/bookings/resend-links", json={"email": "nobody@example.com"}
    )
    known = await client.post("/api/v1/bookings/resend-links", json={"email": "ADA@example.com"})
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert known.status_code == 202
    assert known.json() == {
        "message": "If we have upcoming bookings for that address, we have sent their links"
    }
    await inbox.until(lambda i: bool(i.to("ADA@example.com", "Your booking links")))
    assert inbox.to("nobody@example.com") == []
    text = text_of(inbox.to("ADA@example.com", "Your booking links")[0])
    assert "old ones no longer work" in text
    [new] = re.findall(rf"{PUBLIC}/manage/(\S+)", text)
    assert (await client.get(f"/api/v1/bookings/{old}")).status_code == 404
    assert (await client.get(f"/api/v1/bookings/{new}")).status_code == 200


async def test_resend_links_takes_about_as_long_for_an_unknown_address(client, inbox):
    event = await create_event(client, ("09:00", "10:00", 10))
    for _ in range(3):
        await book_seat(client, event["time_slots"][0]["id"], email="ada@example.com")

    async def timed(email: str) -> float:
        started = time.perf_counter()
        answer = await client.post("/api/v1/bookings/resend-links", json={"email": email})
        assert answer.status_code == 202
        return time.perf_counter() - started

    unknown = statistics.median([await timed(f"u{i}@example.com") for i in range(5)])
    known = statistics.median([await timed("ada@example.com") for _ in range(5)])
    assert known < 10 * unknown and unknown < 10 * known  # a 10x-wide guard: within noise


async def test_twenty_requests_a_minute_for_one_address_are_refused(client):
    answers = [
        (await client.post("/api/v1/bookings/resend-links", json={"email": "x@example.com"}))
        for _ in range(20)
    ]
    statuses = Counter(a.status_code for a in answers)
    assert statuses[429] > 0 and set(statuses) == {202, 429}
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["code"] == "rate_limited" and "Retry-After" in refused.headers


async def test_the_calendar_settings_carry_the_reminder_and_the_owner_email(client):
    calendar_id = await owner_calendar(client)
    path = f"/api/v1/calendars/{calendar_id}/settings"
    shown = (await client.get(path)).json()
    assert (shown["reminder_minutes"], shown["email"]) == (1440, None)
    changed = await client.patch(path, json={"reminder_minutes": 0, "email": "al@example.com"})
    assert (changed.json()["reminder_minutes"], changed.json()["email"]) == (0, "al@example.com")
    bad = await client.patch(path, json={"reminder_minutes": -1})
    assert bad.status_code == 422 and "reminder_minutes" in bad.json()["detail"]
    bad = await client.patch(path, json={"email": "not an address"})
    assert bad.status_code == 422 and "email" in bad.json()["detail"]


async def test_without_smtp_mail_goes_to_a_maildir_and_the_start_up_line_says_so(
    database_url, tmp_path, inbox
):
    plain = Settings(database_url=database_url, mail_dir=str(tmp_path / "mail"), _env_file=None)
    assert f"mail: written to the Maildir {tmp_path / 'mail'}" in startup_line(
        plain, "127.0.0.1", 8000, 1
    )
    [mail] = [f for f in await run_checks(plain) if f.name == "mail"]
    assert mail.ok and "Maildir" in mail.detail
    smtp = mail_settings(database_url, inbox.url)
    [mail] = [f for f in await run_checks(smtp) if f.name == "mail"]
    assert mail.ok, mail.detail
    down = mail_settings(database_url, f"smtp://127.0.0.1:{free_port()}")
    [mail] = [f for f in await run_checks(down) if f.name == "mail"]
    assert not mail.ok and "cannot be used" in mail.detail


async def test_a_day_of_failures_ends_in_failed(database_url, clock):
    settings = mail_settings(database_url, f"smtp://127.0.0.1:{free_port()}")  # always down
    async with instance(settings, clock) as client:
        headers = await admin_headers(client)
        await seat_booking(client, "ada@example.com")
        await until_listed(client, headers, "pending", lambda ms: ms and ms[0]["attempts"] >= 1)
        clock.advance(hours=25)  # its retry is due, and the day is over
        [failed] = await until_listed(client, headers, "failed", bool)
    assert failed["recipient"] == "ada@example.com" and failed["attempts"] == 2
    assert failed["last_error"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mx.example.com", ("mx.example.com", 25, None, None, False, None)),
        (
            "smtp://u%40x:p%3Aw@mx.example.com:587?starttls=true",
            ("mx.example.com", 587, "u@x", "p:w", False, True),
        ),
        ("smtps://mx.example.com", ("mx.example.com", 465, None, None, True, None)),
    ],
)
def test_the_smtp_url_names_host_port_credentials_and_tls(url, expected):
    server = SmtpServer.parse(url)
    assert astuple(server) == expected


def test_a_url_that_is_not_smtp_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="smtp_url"):
        Settings(smtp_url="http://mx.example.com", _env_file=None)
