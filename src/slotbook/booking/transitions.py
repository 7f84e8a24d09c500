"""The one writer of booking state: every change of a booking, and every seat count.

Each transition is one function: it writes the booking's row, keeps the seat counters
of explicit slots right (a slot's `taken` counts exactly its active bookings), and
records the change through `_record`, which marks the calendar-days it touched (live
boards and the slot cache hear of them after commit). `_record` is also where the
transactional outbox appends its event, in the same transaction as the change.

Nothing else writes `bookings` or `slots` (the architecture test holds it so): new
states (pending, approved, declined, offered) become new functions here.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from slotbook.booking.model import Booking, BookingStatus, Draft, NewBooking, SeatSlot
from slotbook.booking.tokens import new_token
from slotbook.calendars.model import Calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import NotChangeable, SlotFull
from slotbook.store import booking_writes as rows
from slotbook.store.calendars import calendar_zones


class Transition(StrEnum):
    """A change of a booking's state: the name its outbox event will carry."""

    CREATED = "created"  # confirmed at once
    HELD = "held"  # reserved for a grace period
    CONFIRMED = "confirmed"  # a hold made firm
    MOVED = "moved"  # to another time or slot
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # a hold whose grace period ended


def _record(
    uow: UnitOfWork,
    transition: Transition,
    booking: Booking,
    zone: ZoneInfo,
    *,
    was: Booking | None = None,
) -> None:
    """The one place every transition reports itself, inside its transaction: the
    calendar-days it changed (the booking's day, and the day it left when `was` is
    given). The transactional outbox appends `transition`'s event for `booking` here."""
    if was is not None:
        uow.touch(was.calendar_id, was.start_at.astimezone(zone).date())
    uow.touch(booking.calendar_id, booking.start_at.astimezone(zone).date())


def _row(uow: UnitOfWork, draft: Draft) -> dict[str, Any]:
    """The columns of a new booking, token aside."""
    return {
        "calendar_id": draft.calendar_id,
        "slot_id": draft.slot_id,
        "start_at": draft.start_at,
        "end_at": draft.end_at,
        "status": BookingStatus.HELD if draft.hold_until else BookingStatus.CONFIRMED,
        "hold_expires_at": draft.hold_until,
        "name": draft.name,
        "email": draft.email,
        "user_id": draft.user_id,
        "source": draft.source,
        "created_at": uow.now,
        "updated_at": uow.now,
    }


async def create(uow: UnitOfWork, calendar: Calendar, draft: Draft) -> NewBooking:
    """CREATED, or HELD when the draft has `hold_until`: write the booking with a fresh
    manage token. On calendar time the exclusion constraint (PostgreSQL) or the caller's
    overlap check under the write lock (SQLite) decides: SlotTaken. On a slot it takes a
    seat, as late as possible so a hot slot's row stays locked briefly: SlotFull."""
    values = _row(uow, draft)
    token, token_hash = new_token()
    row = values | {"token_hash": token_hash}
    new_id: int | None
    if draft.slot_id is None:
        new_id = await rows.insert_booking(uow, row)
    elif uow.is_postgresql:  # seat and booking in one statement
        new_id = await rows.insert_booking_taking_seat(uow, draft.slot_id, row)
    else:  # the seat is the transaction's last statement
        new_id = await rows.insert_booking(uow, row)
        if not await rows.take_seat(uow, draft.slot_id):
            new_id = None
    if new_id is None:
        raise SlotFull()
    booking = Booking(id=new_id, **values)
    _record(
        uow, Transition.HELD if draft.hold_until else Transition.CREATED, booking, calendar.zone
    )
    return NewBooking(booking, token)


async def confirm(uow: UnitOfWork, booking: Booking, calendar: Calendar) -> Booking | None:
    """CONFIRMED: make a hold still live firm; None if it is not one (any more)."""
    confirmed = await rows.confirm_hold(uow, booking.id)
    if confirmed is not None:
        _record(uow, Transition.CONFIRMED, confirmed, calendar.zone)
    return confirmed


async def cancel(uow: UnitOfWork, booking: Booking, calendar: Calendar) -> Booking:
    """CANCELLED: an active booking; its time or seat is free as soon as this commits."""
    cancelled = await rows.cancel_active(uow, booking.id)
    if cancelled is None:
        raise NotChangeable("This booking is not active")
    if booking.slot_id is not None:
        await rows.release_seat(uow, booking.slot_id)
    _record(uow, Transition.CANCELLED, cancelled, calendar.zone)
    return cancelled


async def move_time(
    uow: UnitOfWork, booking: Booking, calendar: Calendar, start_at: datetime, end_at: datetime
) -> Booking:
    """MOVED on calendar time: release and claim in one write (SlotTaken if the
    exclusion constraint refuses the new time)."""
    moved = await rows.set_time(uow, booking.id, start_at=start_at, end_at=end_at)
    _record(uow, Transition.MOVED, moved, calendar.zone, was=booking)
    return moved


async def move_seat(
    uow: UnitOfWork, booking: Booking, calendar: Calendar, target: SeatSlot
) -> Booking:
    """MOVED to another slot: the target's seat is taken before the old one is given
    back, in one transaction (SlotFull if none is left)."""
    assert booking.slot_id is not None
    await rows.lock_slots(uow, (booking.slot_id, target.id))
    if not await rows.take_seat(uow, target.id):
        raise SlotFull()
    await rows.release_seat(uow, booking.slot_id)
    moved = await rows.set_time(
        uow, booking.id, start_at=target.start_at, end_at=target.end_at, slot_id=target.id
    )
    _record(uow, Transition.MOVED, moved, calendar.zone, was=booking)
    return moved


async def expire_stale_holds(
    uow: UnitOfWork,
    calendar: Calendar | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> int:
    """EXPIRED: every hold whose grace period has ended (only those on `calendar`'s time
    overlapping [start, end), if given), giving back their seats; how many."""
    within = (calendar.id, start, end) if calendar and start and end else None
    expired = await rows.expire_stale_holds(uow, within=within)
    if not expired:
        return 0
    zones: Mapping[int, ZoneInfo] = (
        {calendar.id: calendar.zone}
        if calendar
        else await calendar_zones(uow, {b.calendar_id for b in expired})
    )
    for hold in expired:
        if hold.slot_id is not None:
            await rows.release_seat(uow, hold.slot_id)
    for hold in expired:
        _record(uow, Transition.EXPIRED, hold, zones[hold.calendar_id])
    return len(expired)


async def add_seat_slots(
    uow: UnitOfWork, calendar: Calendar, slots: Sequence[Mapping[str, Any]]
) -> list[SeatSlot]:
    """Open an event's explicit slots (columns as `store.tables.slots`), no seat taken,
    on its `event_date`."""
    written = await rows.insert_slots(uow, slots)
    uow.touch(calendar.id, calendar.event_date)
    return written
