"""The waitlist: join the line for a full event slot or a taken calendar time, see where
you are, leave, and accept the place when it is offered.

Offers are made by `booking.transitions` (asking `booking.offers` who is next) in the
transaction that frees a place, as a hold for the waiter of the calendar's
`waitlist_offer_minutes`; accepting turns that hold into their booking. An offer left
to run out is recorded as lapsed by whatever expires its hold (the sweeper, or a claim
on that time), which offers the place to the next in line in the same transaction.

A join takes a lock on what occupies the place (the slot's row; the active claims on the
time, PostgreSQL) so that a place freed concurrently is either seen free here (409
`places_left`: book it) or offered to this line: never free while someone waits.
"""

from dataclasses import dataclass
from datetime import datetime

from slotbook.availability import free_slots
from slotbook.booking import transitions
from slotbook.booking.model import Booking, NewBooking
from slotbook.booking.tokens import hash_token, new_token
from slotbook.calendars.calendars import get_calendar
from slotbook.calendars.model import Calendar, CalendarKind
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    AlreadyWaiting,
    InPast,
    InsideBuffer,
    InvalidInput,
    NoOffer,
    OfferLapsed,
    PatientsOnly,
    PlacesLeft,
    SlotNotFound,
    SlotTaken,
    TooManySeats,
    WaitlistEntryNotFound,
)
from slotbook.store.bookings import waitlist as lines
from slotbook.store.bookings.booking_reads import get_booking, get_seat_slot
from slotbook.store.bookings.waitlist import EntryStatus, WaitlistEntry
from slotbook.store.savepoint import savepoint


@dataclass(frozen=True, slots=True)
class Place:
    """What a waitlist entry waits for: a slot's seats, or a start time of a calendar."""

    calendar: Calendar
    start_at: datetime
    slot_id: int | None = None


@dataclass(frozen=True, slots=True)
class EntryView:
    """An entry as its holder sees it: its live status, its place in line while waiting,
    and the booking (its offer's hold, or the booking it became)."""

    entry: WaitlistEntry
    calendar: Calendar
    end_at: datetime  # the end of the place it waits for
    status: str
    position: int | None
    booking: Booking | None


@dataclass(frozen=True, slots=True)
class Joined:
    view: EntryView
    token: str  # shown once; only its hash is kept


async def _slot_place(uow: UnitOfWork, slot_id: int, seats: int) -> Place:
    """An event slot with fewer than `seats` places left (locked until commit)."""
    slot = await lines.lock_seat_slot(uow, slot_id)
    if slot is None:
        raise SlotNotFound()
    if slot.start_at <= uow.now:
        raise InPast("This time slot has already started")
    calendar = await get_calendar(uow, slot.calendar_id)
    if seats > min(calendar.max_seats_per_booking, slot.capacity):
        most = min(calendar.max_seats_per_booking, slot.capacity)
        raise TooManySeats(f"seats: at most {most} places per booking for this time slot")
    someone_waits = await lines.waiting_for_slot(uow, slot_id, most=1)
    if slot.available >= seats and not someone_waits:
        raise PlacesLeft(f"This time slot has {slot.available} places left: book it directly")
    return Place(calendar, slot.start_at, slot.id)


async def _time_place(uow: UnitOfWork, calendar_id: int, start_at: datetime) -> Place:
    """A start time on a calendar that another claim occupies now."""
    calendar = await get_calendar(uow, calendar_id)
    if calendar.kind == CalendarKind.EVENT:
        raise InvalidInput("This calendar is an event: join a time slot's waitlist by time_slot_id")
    if calendar.patients_only:
        raise PatientsOnly()
    free_slots.check_bookable(calendar, start_at, uow.now)
    if calendar.enforce_hours:
        await free_slots.check_opening(uow, calendar, start_at)
    end_at = start_at + calendar.slot_length
    claimed = calendar.buffers.around(start_at, end_at)
    await lines.lock_time_claims(uow, calendar.id, claimed.start, claimed.end)
    try:
        async with savepoint(uow):
            await free_slots.check_unclaimed(uow, calendar, start_at, end_at)
    except (SlotTaken, InsideBuffer):
        return Place(calendar, start_at)
    raise PlacesLeft("This time is free: book it directly")


async def join(
    uow: UnitOfWork,
    *,
    slot_id: int | None,
    calendar_id: int | None,
    start_at: datetime | None,
    name: str,
    email: str,
    seats: int = 1,
) -> Joined:
    """Join the line for a full slot (`slot_id`, for `seats` places) or a taken time
    (`calendar_id` and `start_at`, one slot length): last in line."""
    if slot_id is not None:
        place = await _slot_place(uow, slot_id, seats)
    else:
        assert calendar_id is not None and start_at is not None
        if seats != 1:
            raise InvalidInput("seats: calendar time is booked one place at a time")
        place = await _time_place(uow, calendar_id, start_at)
    if await lines.in_line(uow, place.slot_id, place.calendar.id, place.start_at, email):
        raise AlreadyWaiting()
    token, token_hash = new_token()
    entry = await lines.insert_entry(
        uow,
        {
            "calendar_id": place.calendar.id,
            "slot_id": place.slot_id,
            "start_at": place.start_at,
            "token_hash": token_hash,
            "name": name,
            "email": email,
            "seats": seats,
            "status": EntryStatus.WAITING,
            "created_at": uow.now,
            "updated_at": uow.now,
        },
    )
    return Joined(await _view(uow, entry, place.calendar), token)


async def _entry(uow: UnitOfWork, token: str, *, lock: bool = False) -> WaitlistEntry:
    entry = await lines.entry_with_token_hash(uow, hash_token(token), lock=lock)
    if entry is None:
        raise WaitlistEntryNotFound()
    return entry


async def _view(uow: UnitOfWork, entry: WaitlistEntry, calendar: Calendar) -> EntryView:
    status = entry.live_status(uow.now)
    waiting = status == EntryStatus.WAITING
    slot = await get_seat_slot(uow, entry.slot_id) if entry.slot_id else None
    return EntryView(
        entry=entry,
        calendar=calendar,
        end_at=slot.end_at if slot else entry.start_at + calendar.slot_length,
        status=status,
        position=await lines.position(uow, entry) if waiting else None,
        booking=await get_booking(uow, entry.booking_id) if entry.booking_id else None,
    )


async def show(uow: UnitOfWork, token: str) -> EntryView:
    entry = await _entry(uow, token)
    return await _view(uow, entry, await get_calendar(uow, entry.calendar_id))


async def leave(uow: UnitOfWork, token: str) -> EntryView:
    """Leave the line; an open offer's hold is cancelled, so the place goes to the next
    in line. Leaving again changes nothing; a booked or lapsed entry cannot leave."""
    entry = await _entry(uow, token, lock=True)
    calendar = await get_calendar(uow, entry.calendar_id)
    status = entry.live_status(uow.now)
    if status not in (EntryStatus.WAITING, EntryStatus.OFFERED, EntryStatus.LEFT):
        raise NoOffer(f"This waitlist entry is {status}: there is nothing to leave")
    if status != EntryStatus.LEFT:
        await lines.set_status(uow, entry.id, EntryStatus.LEFT)
    hold = await get_booking(uow, entry.booking_id) if entry.booking_id else None
    if status == EntryStatus.OFFERED and hold is not None and hold.is_active(uow.now):
        await transitions.cancel(uow, hold, calendar)
    return await _view(uow, await _entry(uow, token), calendar)


async def accept(uow: UnitOfWork, token: str) -> tuple[NewBooking, Calendar]:
    """Take the offered place: its hold becomes the waiter's booking (pending approval on
    a calendar that requires it), with a manage token of its own. OfferLapsed when the
    offer ran out; NoOffer while still waiting, or once booked or left."""
    entry = await _entry(uow, token, lock=True)
    calendar = await get_calendar(uow, entry.calendar_id)
    status = entry.live_status(uow.now)
    if status == EntryStatus.LAPSED:
        raise OfferLapsed()
    hold = await get_booking(uow, entry.booking_id) if entry.booking_id else None
    if status != EntryStatus.OFFERED or hold is None:
        raise NoOffer(f"This waitlist entry is {status}: there is no offer to accept")
    booked = await transitions.accept_offer(uow, entry.id, hold, calendar)
    if booked is None:
        raise OfferLapsed()
    return booked, calendar
