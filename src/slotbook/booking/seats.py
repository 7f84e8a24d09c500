"""Seats on an event's explicit slots: claim one, or move a booking to another slot.

The capacity invariant is one conditional UPDATE (`store.booking_writes.take_seat`),
atomic on both databases: no row updated means the slot is full. Seat bookings are
confirmed at once, so a slot's `taken` counts exactly its active bookings.
"""

from datetime import datetime

from slotbook.booking import transitions
from slotbook.booking.model import Booking, Draft, NewBooking, SeatSlot
from slotbook.calendars.calendars import Calendar, get_calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import InPast, InvalidInput, SlotNotFound
from slotbook.store.booking_reads import get_seat_slot


async def get_slot(uow: UnitOfWork, slot_id: int) -> SeatSlot:
    slot = await get_seat_slot(uow, slot_id)
    if slot is None:
        raise SlotNotFound()
    return slot


def _check_open(slot: SeatSlot, now: datetime) -> None:
    if slot.start_at <= now:
        raise InPast("This time slot has already started")


async def claim_seat(
    uow: UnitOfWork, *, slot_id: int, name: str, email: str | None, source: str
) -> tuple[NewBooking, Calendar]:
    """Book one seat of the slot; SlotNotFound, InPast (started) or SlotFull otherwise.

    On PostgreSQL seat and booking are one statement (in autocommit, see
    `surfaces.idempotency.idempotent(single_write=True)`, the slot's row is locked for
    that statement only); on SQLite the seat is the transaction's last statement.
    """
    slot = await get_slot(uow, slot_id)
    _check_open(slot, uow.now)
    calendar = await get_calendar(uow, slot.calendar_id)
    draft = Draft(
        calendar_id=slot.calendar_id,
        slot_id=slot.id,
        start_at=slot.start_at,
        end_at=slot.end_at,
        source=source,
        name=name,
        email=email,
    )
    return await transitions.create(uow, calendar, draft), calendar


async def move_seat(uow: UnitOfWork, booking: Booking, calendar: Calendar, slot_id: int) -> Booking:
    """Move an active (and locked) seat booking to another slot of the same event.

    The target's seat is claimed before the old one is given back, in one transaction:
    if the target is full, SlotFull is raised and the booking stays where it was.
    """
    if booking.slot_id is None:
        raise InvalidInput("This booking is not on a time slot")
    if slot_id == booking.slot_id:
        return booking
    target = await get_slot(uow, slot_id)
    if target.calendar_id != booking.calendar_id:
        raise InvalidInput("new_time_slot_id must be a time slot of the same event")
    _check_open(target, uow.now)
    return await transitions.move_seat(uow, booking, calendar, target)
