"""Seats on an event's explicit slots: claim one, or move a booking to another slot.

The capacity invariant is one conditional UPDATE (`store.booking_writes.take_seats`),
atomic on both databases: no row updated means too few seats are left. A booking may
take several seats, all or none; a slot's `taken` is exactly the seats of its active
(confirmed or pending) bookings.
"""

from datetime import datetime

from slotbook.booking import transitions
from slotbook.booking.model import Booking, Draft, NewBooking, SeatSlot
from slotbook.calendars.calendars import Calendar, get_calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import InPast, InvalidInput, SlotFull, SlotNotFound, TooFewSeats, TooManySeats
from slotbook.observability.metrics import booking_attempt
from slotbook.store.bookings.booking_reads import get_seat_slot
from slotbook.store.bookings.waitlist import someone_waits

#: A direct claim of a place someone waits for (what frees goes to them first).
KEPT_FOR_THE_WAITLIST = "Full: any place that frees goes to the waitlist first"


async def get_slot(uow: UnitOfWork, slot_id: int) -> SeatSlot:
    slot = await get_seat_slot(uow, slot_id)
    if slot is None:
        raise SlotNotFound()
    return slot


def _check_open(slot: SeatSlot, now: datetime) -> None:
    if slot.start_at <= now:
        raise InPast("This time slot has already started")


async def claim_seat(
    uow: UnitOfWork,
    *,
    slot_id: int,
    name: str,
    email: str | None,
    source: str,
    seats: int = 1,
) -> tuple[NewBooking, Calendar]:
    """Book `seats` seats of the slot, all or none; SlotNotFound, InPast (started),
    TooManySeats (over the event's `max_seats_per_booking`), SlotFull (none left, or
    someone is on its waitlist) or TooFewSeats (some, but fewer) otherwise. Pending
    approval on an event that needs it.

    On PostgreSQL seats and booking are one statement, the transaction's last, so the
    slot's row is locked from that statement to the commit only; on SQLite the seats are
    the transaction's last statement.
    """
    with booking_attempt(source):
        slot = await get_slot(uow, slot_id)
        _check_open(slot, uow.now)
        calendar = await get_calendar(uow, slot.calendar_id)
        if seats > calendar.max_seats_per_booking:
            raise TooManySeats(
                f"seats: at most {calendar.max_seats_per_booking} places per booking for this event"
            )
        if await someone_waits(uow, slot.id, slot.calendar_id, slot.start_at):
            raise SlotFull(KEPT_FOR_THE_WAITLIST)
        draft = Draft(
            calendar_id=slot.calendar_id,
            slot_id=slot.id,
            start_at=slot.start_at,
            end_at=slot.end_at,
            source=source,
            name=name,
            email=email,
            seats=seats,
            pending=calendar.requires_approval,
        )
        try:
            return await transitions.create(uow, calendar, draft), calendar
        except SlotFull:
            left = (await get_slot(uow, slot_id)).available
            if left > 0:
                raise TooFewSeats(
                    f"Only {left} {'place' if left == 1 else 'places'} left"
                ) from None
            raise


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
