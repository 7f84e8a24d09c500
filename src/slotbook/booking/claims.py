"""Claims on calendar time: book, hold, confirm, cancel, and expire stale holds.

The no-overlap invariant is the database's: on PostgreSQL an exclusion constraint
rejects the second of two overlapping claims (SQLSTATE 23P01); on SQLite the write
transaction began with BEGIN IMMEDIATE, so the overlap check below cannot race.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from slotbook.availability.free_slots import LONGEST_CLAIM, busy_between, grid_slot_at
from slotbook.booking.tokens import hash_token, new_token
from slotbook.calendars.calendars import Calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    BeyondHorizon,
    BookingNotFound,
    InPast,
    NotChangeable,
    OutsideHours,
    SlotTaken,
    TooSoon,
)
from slotbook.store.queries import occupying, seat_released
from slotbook.store.tables import bookings, calendars

EXCLUSION_VIOLATION = "23P01"


@dataclass(frozen=True, slots=True)
class Booking:
    id: int
    calendar_id: int
    slot_id: int | None
    start_at: datetime
    end_at: datetime
    status: str
    hold_expires_at: datetime | None
    name: str | None
    email: str | None
    user_id: int | None
    source: str
    created_at: datetime
    updated_at: datetime

    def is_active(self, now: datetime) -> bool:
        """Whether it still occupies its time (a hold only until it expires)."""
        if self.status == "held":
            return self.hold_expires_at is not None and self.hold_expires_at > now
        return self.status == "confirmed"


@dataclass(frozen=True, slots=True)
class NewBooking:
    """A booking just made, with its manage token (shown once, never stored)."""

    booking: Booking
    token: str


BOOKING_COLUMNS = [c for c in bookings.c if c.name != "token_hash"]


def _booking(row: object) -> Booking:
    return Booking(**row._mapping)  # type: ignore[attr-defined]


def check_window(calendar: Calendar, start_at: datetime, now: datetime) -> None:
    """Reject a start in the past, inside the minimum notice, or beyond the horizon."""
    window = calendar.window
    if start_at < now:
        raise InPast()
    if start_at < window.earliest(now):
        raise TooSoon(f"Bookings need at least {calendar.min_notice_minutes} minutes' notice")
    if start_at > window.latest(now):
        raise BeyondHorizon(f"Bookings can be made at most {calendar.horizon_days} days ahead")


async def expire_stale_holds(
    uow: UnitOfWork, calendar: Calendar, start: datetime, end: datetime
) -> None:
    """Mark holds on [start, end) whose grace period has ended as expired."""
    rows = await uow.conn.execute(
        update(bookings)
        .where(
            bookings.c.calendar_id == calendar.id,
            bookings.c.slot_id.is_(None),
            bookings.c.status == "held",
            bookings.c.hold_expires_at <= uow.now,
            bookings.c.start_at < end,
            bookings.c.start_at > start - LONGEST_CLAIM,
            bookings.c.end_at > start,
        )
        .values(status="expired", updated_at=uow.now)
        .returning(bookings.c.start_at)
    )
    for row in rows:
        uow.touch(calendar.id, calendar.local_day(row.start_at))


def _is_overlap_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    return (
        getattr(orig, "sqlstate", None) == EXCLUSION_VIOLATION
        or getattr(orig, "pgcode", None) == EXCLUSION_VIOLATION
    )


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
    await expire_stale_holds(uow, calendar, start_at, end_at)
    if uow.conn.dialect.name != "postgresql" and await busy_between(
        uow, calendar.id, start_at, end_at, excluding=moving
    ):
        raise SlotTaken()


def booking_values(
    uow: UnitOfWork,
    *,
    calendar_id: int,
    slot_id: int | None,
    start_at: datetime,
    end_at: datetime,
    source: str,
    name: str | None = None,
    email: str | None = None,
    user_id: int | None = None,
    hold_expires_at: datetime | None = None,
) -> dict[str, Any]:
    """The columns of a new booking (a hold when `hold_expires_at`), token aside."""
    return {
        "calendar_id": calendar_id,
        "slot_id": slot_id,
        "start_at": start_at,
        "end_at": end_at,
        "status": "held" if hold_expires_at else "confirmed",
        "hold_expires_at": hold_expires_at,
        "name": name,
        "email": email,
        "user_id": user_id,
        "source": source,
        "created_at": uow.now,
        "updated_at": uow.now,
    }


async def insert_booking(uow: UnitOfWork, **fields: Any) -> NewBooking:
    """Write a booking (fields as `booking_values` takes them) with a fresh manage token."""
    values = booking_values(uow, **fields)
    token, token_hash = new_token()
    new_id = (
        await uow.conn.execute(
            insert(bookings).returning(bookings.c.id), values | {"token_hash": token_hash}
        )
    ).scalar_one()
    return NewBooking(Booking(id=new_id, **values), token)


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
    try:
        made = await insert_booking(
            uow,
            calendar_id=calendar.id,
            slot_id=None,
            start_at=start_at,
            end_at=end_at,
            source=source,
            name=name,
            email=email,
            user_id=user_id,
            hold_expires_at=uow.now + hold_for if hold_for else None,
        )
    except IntegrityError as exc:
        if _is_overlap_violation(exc):
            raise SlotTaken() from exc
        raise
    uow.touch(calendar.id, calendar.local_day(start_at))
    return made


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
    try:
        moved = (
            await uow.conn.execute(
                update(bookings)
                .where(bookings.c.id == booking.id)
                .values(start_at=start_at, end_at=end_at, updated_at=uow.now)
                .returning(*BOOKING_COLUMNS)
            )
        ).one()
    except IntegrityError as exc:
        if _is_overlap_violation(exc):
            raise SlotTaken() from exc
        raise
    uow.touch(calendar.id, calendar.local_day(booking.start_at))
    uow.touch(calendar.id, calendar.local_day(start_at))
    return _booking(moved)


async def get_booking(uow: UnitOfWork, booking_id: int) -> Booking:
    row = (
        await uow.conn.execute(select(*BOOKING_COLUMNS).where(bookings.c.id == booking_id))
    ).first()
    if row is None:
        raise BookingNotFound()
    return _booking(row)


async def get_booking_by_token(uow: UnitOfWork, token: str, *, lock: bool = False) -> Booking:
    """The booking this manage token belongs to; unknown or malformed: BookingNotFound.

    `lock` holds its row until the transaction ends (PostgreSQL; SQLite's write
    transaction already excludes every other writer)."""
    query = select(*BOOKING_COLUMNS).where(bookings.c.token_hash == hash_token(token))
    row = (await uow.conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise BookingNotFound()
    return _booking(row)


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
    return [_booking(r) for r in rows]


async def cancel_booking(uow: UnitOfWork, booking: Booking, calendar: Calendar) -> Booking:
    """Cancel an active booking; its time or seat is free as soon as this commits."""
    cancelled = (
        await uow.conn.execute(
            update(bookings)
            .where(bookings.c.id == booking.id, occupying(uow.now))
            .values(status="cancelled", updated_at=uow.now)
            .returning(*BOOKING_COLUMNS)
        )
    ).first()
    if cancelled is None:
        raise NotChangeable("This booking is not active")
    if booking.slot_id is not None:
        await uow.conn.execute(seat_released(booking.slot_id))
    uow.touch(calendar.id, calendar.local_day(booking.start_at))
    return _booking(cancelled)
