"""Email from real server processes: one confirmation per booking when two instances
share the work, none lost to a process killed after commit and before sending, and a
fresh `slotbook serve` (no SMTP configured) writes its mail to ./mail/ and says so."""

import asyncio
import mailbox
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.support.accounts import FAST_HASHING
from tests.support.databases import wipe
from tests.support.servers import log_of, running_servers, spawn, wait_until_up

DAY = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
FAST = FAST_HASHING | {"SLOTBOOK_DISPATCH_INTERVAL_SECONDS": "0.2"}


async def event_slot(http: httpx.AsyncClient, base: str, seats: int) -> int:
    body = {
        "name": "Workshop",
        "event_date": DAY,
        "time_slots": [{"start_time": "09:00", "end_time": "10:00", "max_capacity": seats}],
    }
    made = await http.post(f"{base}/api/v1/events", json=body)
    assert made.status_code == 201, made.text
    return made.json()["time_slots"][0]["id"]


async def book_seats(http: httpx.AsyncClient, bases: list[str], slot: int, count: int) -> None:
    answers = await asyncio.gather(
        *(
            http.post(
                f"{bases[i % len(bases)]}/api/v1/bookings",
                json={"attendee_name": f"P{i}", "time_slot_id": slot, "email": f"p{i}@x.org"},
            )
            for i in range(count)
        )
    )
    assert Counter(a.status_code for a in answers) == {201: count}


async def owner_appointment(http: httpx.AsyncClient, base: str) -> None:
    body = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
    assert (await http.post(f"{base}/api/v1/availability", json=body)).status_code == 200
    made = await http.post(
        f"{base}/api/v1/appointments",
        json={
            "calendar_owner_id": "alice",
            "invitee_name": "Bob",
            "invitee_email": "bob@x.org",
            "date": DAY,
            "slot_start_time": "10:00",
        },
    )
    assert made.status_code == 200, made.text


async def test_two_processes_send_one_confirmation_per_booking(postgresql_url, inbox):
    await wipe(postgresql_url)
    env = FAST | {"SLOTBOOK_SMTP_URL": inbox.url}
    with running_servers(postgresql_url, 2, env=env) as bases:
        async with httpx.AsyncClient(timeout=60) as http:
            slot = await event_slot(http, bases[0], 40)
            await book_seats(http, bases, slot, 40)
            await owner_appointment(http, bases[1])
            await inbox.until(lambda i: len(i.subjects("Booking confirmed")) >= 41, patience=60)
    confirmed = Counter(m["To"] for m in inbox.subjects("Booking confirmed"))
    assert confirmed == {f"p{i}@x.org": 1 for i in range(40)} | {"bob@x.org": 1}


async def test_a_booking_committed_before_a_sigkill_is_confirmed_after_restart(database_url, inbox):
    env = FAST | {"SLOTBOOK_SMTP_URL": inbox.url}
    proc, base = spawn(database_url, env=env | {"SLOTBOOK_RUN_JOBS": "0"})  # sends nothing
    try:
        wait_until_up(base, proc)
        async with httpx.AsyncClient(timeout=60) as http:
            await book_seats(http, [base], await event_slot(http, base, 10), 10)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert inbox.messages == []
    with running_servers(database_url, 1, env=env):
        await inbox.until(lambda i: len(i.subjects("Booking confirmed")) >= 10, patience=30)
    assert Counter(m["To"] for m in inbox.messages) == {f"p{i}@x.org": 1 for i in range(10)}


async def test_a_fresh_serve_writes_its_mail_to_dot_mail_and_says_so(tmp_path: Path):
    proc, base = spawn(None, env=FAST, fresh_in=tmp_path)
    try:
        wait_until_up(base, proc, timeout=60)
        async with httpx.AsyncClient(timeout=60) as http:
            await book_seats(http, [base], await event_slot(http, base, 1), 1)
            box = tmp_path / "mail" / "new"
            async with asyncio.timeout(30):
                while not (box.exists() and any(box.iterdir())):  # noqa: ASYNC110 - polling
                    await asyncio.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "mail: written to the Maildir ./mail (no SLOTBOOK_SMTP_URL)" in log_of(base)
    [message] = list(mailbox.Maildir(tmp_path / "mail", create=False))
    assert str(message["Subject"]).strip().startswith("Booking confirmed")
    assert message["To"] == "p0@x.org"
