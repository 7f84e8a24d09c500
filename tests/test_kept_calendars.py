"""A booking answers by the calendar as it is now, though the process keeps calendars.

On PostgreSQL a booking on a calendar the process has read before is one statement that
trusts the kept copy only if the row is still at the copy's version; these change the
row behind the process's back (as another instance would) and book again.
"""

import json
from typing import Any

from sqlalchemy import select, update

from slotbook.store.db import Database
from slotbook.store.tables import calendars, outbox_events
from tests.test_providers import book, new_provider


async def change_elsewhere(database_url: str, calendar_id: int, **changes: Any) -> None:
    """Change the calendar's row as another instance would: its own connection, a new
    version."""
    db = Database(database_url)
    try:
        async with db.transaction(write=True) as conn:
            changed = update(calendars).where(calendars.c.id == calendar_id)
            await conn.execute(changed.values(changes | {"version": "changed-elsewhere"}))
    finally:
        await db.dispose()


async def test_a_booking_follows_settings_changed_by_another_instance(client, database_url):
    provider = await new_provider(client)
    assert (await book(client, provider, "09:00")).json()["status"] == "confirmed"
    await change_elsewhere(database_url, provider, requires_approval=True)
    made = await book(client, provider, "10:00")
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "pending"


async def test_a_kept_calendar_never_refuses_what_the_calendar_now_allows(client, database_url):
    provider = await new_provider(client, horizon_days=1)
    assert (await book(client, provider, "09:00", day="2031-01-25")).status_code == 400
    await change_elsewhere(database_url, provider, horizon_days=365)
    made = await book(client, provider, "09:00", day="2031-01-25")
    assert made.status_code == 201, made.text


async def test_a_calendar_deleted_elsewhere_is_not_booked(client, database_url):
    provider = await new_provider(client)
    assert (await book(client, provider, "09:00")).status_code == 201
    db = Database(database_url)
    try:
        async with db.transaction(write=True) as conn:
            await conn.execute(calendars.delete().where(calendars.c.id == provider))
    finally:
        await db.dispose()
    gone = await book(client, provider, "10:00")
    assert gone.status_code == 404, gone.text


async def test_a_booking_made_in_one_statement_has_its_event_whole(client, database_url):
    provider = await new_provider(client)
    assert (await book(client, provider, "09:00")).status_code == 201
    made = (await book(client, provider, "10:00")).json()
    shown = (await client.get(f"/api/v1/bookings/{made['booking_token']}")).json()
    db = Database(database_url)
    try:
        async with db.transaction() as conn:
            of_booking = outbox_events.c.booking_id == made["id"]
            rows = (await conn.execute(select(outbox_events).where(of_booking))).all()
    finally:
        await db.dispose()
    assert [(r.type, r.calendar_id) for r in rows] == [("booking.created", provider)]
    assert json.loads(rows[0].booking) | {"booking_token": made["booking_token"]} == shown
