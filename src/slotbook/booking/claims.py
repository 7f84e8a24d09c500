"""Claims on calendar time: what a claim checks before `transitions` writes it.

The no-overlap invariant is the database's: on PostgreSQL the exclusion constraint
`bookings_no_overlap` rejects the second of two overlapping claims; on SQLite the write
transaction began with BEGIN IMMEDIATE (`store.db`), so the overlap check below cannot
race. Stale holds on the range are expired first, so they never block.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from slotbook.availability.free_slots import busy_between, grid_slot_at
from slotbook.booking import transitions
from slotbook.booking.model import Booking, Draft, NewBooking
from slotbook.booking.tokens import hash_token
from slotbook.calendars.calendars import Calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    BeyondHorizon,
    BookingNotFound,
    InPast,
    OutsideHours,
    SlotTaken,
    TooSoon,
)
from slotbook.store.booking_writes import BOOKING_COLUMNS, booking_from
from slotbook.store.predicates import occupying
from slotbook.store.tables import bookings, calendars


def check_window(calendar: Calendar, start_at: datetime, now: datetime) -> None:
    """Reject a start in the past, inside the minimum notice, or beyond the horizon."""
    window = calendar.window
    if start_at < now:
        raise InPast()
    if start_at < window.earliest(now):
        raise TooSoon(f"Bookings need at least {calendar.min_notice_minutes} minutes' notice")
    if start_at > window.latest(now):
        raise BeyondHorizon(f"Bookings can be made at most {calendar.horizon_days} days ahead")


async def _check_free(
    uow: UnitOfWork,
    calendar: Calendar,
    start_at: datetime,
    end_at: datetime,
    *,
    moving: int | None = None,
) -> None:
    """What a claim of [start_at, end_at) checks before it writes (`moving`: the booking
    being moved there, which does not block itself). On SQLite the write lock makes the
    overlap check safe; on PostgreSQL the exclusion constraint decides at the write."""
    check_window(calendar, start_at, uow.now)
    if calendar.enforce_hours and await grid_slot_at(uow, calendar, start_at) is None:
        raise OutsideHours()
    await transitions.expire_stale_holds(uow, calendar, start_at, end_at)
    if not uow.is_postgresql and await busy_between(
        uow, calendar.id, start_at, end_at, excluding=moving
    ):
        raise SlotTaken()


async def claim_time(
    uow: UnitOfWork,
    *,
    calendar: Calendar,
    start_at: datetime,
    source: str,
    name: str | None = None,
    email: str | None = None,
    user_id: int | None = None,
    hold_for: timedelta | None = None,
) -> NewBooking:
    """Claim one slot length of the calendar from `start_at`; a hold when `hold_for`."""
    end_at = start_at + calendar.slot_length
    await _check_free(uow, calendar, start_at, end_at)
    draft = Draft(
        calendar_id=calendar.id,
        start_at=start_at,
        end_at=end_at,
        source=source,
        name=name,
        email=email,
        user_id=user_id,
        hold_until=uow.now + hold_for if hold_for else None,
    )
    return await transitions.create(uow, calendar, draft)


async def move_time(
    uow: UnitOfWork, booking: Booking, calendar: Calendar, start_at: datetime
) -> Booking:
    """Move an active (and locked) calendar-time booking to `start_at`, keeping its length.

    Release and claim are one write: if the new time is not free, SlotTaken is raised and
    the booking stays where it was once the transaction rolls back.
    """
    if start_at == booking.start_at:
        return booking
    end_at = start_at + (booking.end_at - booking.start_at)
    await _check_free(uow, calendar, start_at, end_at, moving=booking.id)
    return await transitions.move_time(uow, booking, calendar, start_at, end_at)


async def get_booking(uow: UnitOfWork, booking_id: int) -> Booking:
    row = (
        await uow.conn.execute(select(*BOOKING_COLUMNS).where(bookings.c.id == booking_id))
    ).first()
    if row is None:
        raise BookingNotFound()
    return booking_from(row)


async def get_booking_by_token(uow: UnitOfWork, token: str, *, lock: bool = False) -> Booking:
    """The booking this manage token belongs to; unknown or malformed: BookingNotFound.

    `lock` holds its row until the transaction ends (PostgreSQL; SQLite's write
    transaction already excludes every other writer)."""
    query = select(*BOOKING_COLUMNS).where(bookings.c.token_hash == hash_token(token))
    row = (await uow.conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise BookingNotFound()
    return booking_from(row)


async def list_bookings(
    uow: UnitOfWork,
    *,
    calendar_ids: list[int] | None = None,
    kind: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    active_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[Booking]:
    """Bookings in start order, filtered by calendar, calendar kind and start time."""
    query = select(*BOOKING_COLUMNS).order_by(bookings.c.start_at, bookings.c.id)
    if calendar_ids is not None:
        query = query.where(bookings.c.calendar_id.in_(calendar_ids))
    if kind is not None:
        query = query.join(calendars, calendars.c.id == bookings.c.calendar_id).where(
            calendars.c.kind == kind
        )
    if start is not None:
        query = query.where(bookings.c.start_at >= start)
    if end is not None:
        query = query.where(bookings.c.start_at < end)
    if active_only:
        query = query.where(occupying(uow.now))
    rows = await uow.conn.execute(query.limit(limit).offset(offset))
    return [booking_from(r) for r in rows]
