"""Seats on an event's explicit slots: claim one, or move a booking to another slot.

The capacity invariant is one conditional UPDATE (`store.booking_writes.take_seats`),
atomic on both databases: no row updated means too few seats are left. On PostgreSQL a
claim without an idempotency key runs `claim_seat_at_once`: its write is one statement
that commits by itself, so a slot's row is locked for that statement only. A booking may
take several seats, all or none; a slot's `taken` is exactly the seats of its active
(confirmed or pending) bookings.
"""

from dataclasses import dataclass
from datetime import datetime

from slotbook.booking import transitions
from slotbook.booking.model import Booking, Draft, NewBooking, SeatSlot
from slotbook.calendars.calendars import Calendar, get_calendar
from slotbook.engine import Engine, UnitOfWork
from slotbook.errors import InPast, InvalidInput, SlotFull, SlotNotFound, TooFewSeats, TooManySeats
from slotbook.observability.metrics import booking_attempt
from slotbook.store.bookings.booking_reads import get_seat_slot, slot_to_claim
from slotbook.store.bookings.waitlist import someone_waits

#: A direct claim of a place someone waits for (what frees goes to them first).
KEPT_FOR_THE_WAITLIST = "Full: any place that frees goes to the waitlist first"


@dataclass(frozen=True, slots=True)
class SeatRequest:
    """A claim of `seats` seats of a slot, for `name` (and `email`), through `source`."""

    slot_id: int
    name: str
    email: str | None
    source: str
    seats: int = 1


async def get_slot(uow: UnitOfWork, slot_id: int) -> SeatSlot:
    slot = await get_seat_slot(uow, slot_id)
    if slot is None:
        raise SlotNotFound()
    return slot


def _check_open(slot: SeatSlot, now: datetime) -> None:
    if slot.start_at <= now:
        raise InPast("This time slot has already started")


def _check_claim(slot: SeatSlot, calendar: Calendar, seats: int, now: datetime) -> None:
    _check_open(slot, now)
    if seats > calendar.max_seats_per_booking:
        raise TooManySeats(
            f"seats: at most {calendar.max_seats_per_booking} places per booking for this event"
        )


def _draft(slot: SeatSlot, calendar: Calendar, request: SeatRequest) -> Draft:
    return Draft(
        calendar_id=slot.calendar_id,
        slot_id=slot.id,
        start_at=slot.start_at,
        end_at=slot.end_at,
        source=request.source,
        name=request.name,
        email=request.email,
        seats=request.seats,
        pending=calendar.requires_approval,
    )


async def _refusal(uow: UnitOfWork, request: SeatRequest) -> SlotFull | TooFewSeats:
    """Why the claim found too few seats left: none (SlotFull), or some."""
    return _too_few(0 if request.seats == 1 else (await get_slot(uow, request.slot_id)).available)


def _too_few(left: int) -> SlotFull | TooFewSeats:
    if left > 0:
        return TooFewSeats(f"Only {left} {'place' if left == 1 else 'places'} left")
    return SlotFull()


async def claim_seat(uow: UnitOfWork, request: SeatRequest) -> tuple[NewBooking, Calendar]:
    """Book `seats` seats of the slot, all or none; SlotNotFound, InPast (started),
    TooManySeats (over the event's `max_seats_per_booking`), SlotFull (none left, or
    someone is on its waitlist) or TooFewSeats (some, but fewer) otherwise. Pending
    approval on an event that needs it.

    On PostgreSQL seats and booking are one statement; on SQLite the seats are the
    transaction's last statement. `claim_seat_at_once` holds the slot's row for less.
    """
    with booking_attempt(request.source):
        slot = await get_slot(uow, request.slot_id)
        calendar = await get_calendar(uow, slot.calendar_id)
        _check_claim(slot, calendar, request.seats, uow.now)
        if await someone_waits(uow, slot.id, slot.calendar_id, slot.start_at):
            raise SlotFull(KEPT_FOR_THE_WAITLIST)
        draft = _draft(slot, calendar, request)
        try:
            return await transitions.create(uow, calendar, draft), calendar
        except SlotFull:
            raise await _refusal(uow, request) from None


class _NotAtOnce(Exception):
    """Nothing was written for a reason only a unit of work settles (the event keeps
    booking limits): the seats are claimed in one."""


async def claim_seat_at_once(
    engine: Engine, request: SeatRequest
) -> tuple[NewBooking, Calendar] | None:
    """`claim_seat` in two round trips on PostgreSQL, each a statement that commits by
    itself: read the slot, its event and its waitlist (taking the booking's id), then
    claim the seats and write the booking, its event and its news in one statement, so
    that a hot slot's row is locked only while that statement runs. The same answers
    and errors as `claim_seat`; None (nothing written) where that cannot be done so — on
    SQLite, with news written by a recorder, on an event that keeps booking limits —
    and the caller runs `claim_seat` in a unit of work."""
    if engine.db.is_sqlite or engine.records_in_transactions:
        return None
    try:
        with booking_attempt(request.source):
            return await _claim_at_once(engine, request)
    except _NotAtOnce:
        return None


async def _claim_at_once(engine: Engine, request: SeatRequest) -> tuple[NewBooking, Calendar]:
    now = engine.clock()
    async with engine.db.autocommit() as driver:
        found = await slot_to_claim(driver, request.slot_id)
    if found is None:
        raise SlotNotFound()
    slot, calendar = found.slot, found.calendar
    _check_claim(slot, calendar, request.seats, now)
    if found.someone_waits:
        raise SlotFull(KEPT_FOR_THE_WAITLIST)
    draft = _draft(slot, calendar, request)
    try:
        made = await transitions.create_seats_at_once(
            engine, calendar, draft, found.booking_id, now
        )
    except SlotFull:
        if request.seats == 1:
            raise
        async with engine.db.autocommit() as driver:
            again = await slot_to_claim(driver, request.slot_id)
        raise _too_few(again.slot.available if again else 0) from None
    if made is None:
        raise _NotAtOnce()
    return made, calendar


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
