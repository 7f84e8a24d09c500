"""Calendar feeds: a secret URL serving a calendar's bookings as iCalendar, for the
owner's calendar app to subscribe to; and one booking as a file, for its booker.

Issuing a feed (the calendar's owner or an admin, signed in) makes a new secret and
revokes any earlier one; only its SHA-256 is stored, like manage tokens. A feed shows the
calendar's active bookings (confirmed, and holds still live) from `PAST` ago onward.
"""

from datetime import timedelta

from slotbook.accounts.permissions import check_owner
from slotbook.accounts.users import User
from slotbook.booking import manage
from slotbook.booking.tokens import hash_token, new_token
from slotbook.calendars import ics
from slotbook.calendars.calendars import get_calendar
from slotbook.engine import Engine
from slotbook.errors import FeedNotFound
from slotbook.store import feeds as store
from slotbook.store.bookings.booking_reads import list_bookings

PAST = timedelta(days=30)
#: the most bookings one feed lists (the earliest first)
MOST = 5000


def feed_path(secret: str) -> str:
    return f"/api/v1/feeds/{secret}.ics"


async def issue(engine: Engine, *, user: User | None, calendar_id: int) -> str:
    """A new feed secret for the calendar (`user` None: the command line, trusted)."""
    secret, secret_hash = new_token()
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            calendar = await get_calendar(uow, calendar_id)
            if user is not None:
                check_owner(user, calendar)
            await store.replace(uow, calendar.id, secret_hash)
    return secret


async def revoke(engine: Engine, *, user: User, calendar_id: int) -> None:
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            check_owner(user, await get_calendar(uow, calendar_id))
            if not await store.remove(uow, calendar_id):
                raise FeedNotFound("This calendar has no feed")


async def feed(engine: Engine, secret: str) -> bytes:
    """The calendar of this feed secret, as iCalendar; FeedNotFound if it is none."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar_id = await store.calendar_of(uow, hash_token(secret))
            if calendar_id is None:
                raise FeedNotFound()
            calendar = await get_calendar(uow, calendar_id)
            bookings = await list_bookings(
                uow, calendar_ids=[calendar_id], start=uow.now - PAST, active_only=True, limit=MOST
            )
    return ics.render(calendar, [(b, ics.feed_summary(b)) for b in bookings])


async def booking_file(engine: Engine, token: str) -> bytes:
    """One booking as iCalendar (METHOD:PUBLISH), for its booker's own calendar."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            booking, calendar = await manage.find_by_token(uow, token)
    return ics.render(calendar, [(booking, ics.booker_summary(calendar))], method="PUBLISH")
