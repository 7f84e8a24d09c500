"""Claims on calendar time: what a claim checks before `transitions` writes it.

The no-overlap invariant is the database's: on PostgreSQL the exclusion constraint
`bookings_no_overlap` rejects the second of two overlapping claims; on SQLite the write
transaction began with BEGIN IMMEDIATE (`store.db`), so the overlap check below cannot
race. Stale holds on the range are expired first, so they never block. Overlapping
claims never deadlock on each other's exclusion checks (`store.booking_writes`).
"""

from datetime import datetime, timedelta

from slotbook.availability import free_slots
from slotbook.booking import transitions
from slotbook.booking.model import Booking, Draft, NewBooking, Source
from slotbook.booking.seats import KEPT_FOR_THE_WAITLIST
from slotbook.booking.tokens import hash_token
from slotbook.calendars.model import Calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import BookingNotFound, PatientsOnly, SlotTaken
from slotbook.observability.metrics import booking_attempt
from slotbook.store.bookings import booking_reads as reads
from slotbook.store.bookings.waitlist import someone_waits

#: Stale holds this far around a claim are expired when any are in its way or the
#: calendar keeps limits: its buffers' reach, and the week its limits count.
AROUND = timedelta(days=8)


async def _check_free(
    uow: UnitOfWork,
    calendar: Calendar,
    start_at: datetime,
    end_at: datetime,
    *,
    moving: int | None = None,
) -> None:
    """What a claim of [start_at, end_at) checks before it writes, asking what every slot
    list asks (`availability.free_slots`); `moving`: the booking being moved there, which
    does not block itself. On SQLite the write lock makes the overlap and buffer check
    the decision; on PostgreSQL the exclusion constraint over claimed ranges decides at
    the write, and the check only lets an uncontested refusal say what was in the way.
    Stale holds in the way are expired first (the exclusion constraint still counts
    them), and on a calendar with limits those of the weeks around too (so that the
    counters no longer count them); the common case, none in the way, costs no write. A time
    someone is on the waitlist for is theirs first (SlotTaken)."""
    free_slots.check_bookable(calendar, start_at, uow.now)
    if calendar.enforce_hours:
        await free_slots.check_opening(uow, calendar, start_at)
    if calendar.limits.any:  # their counters count a hold until it is marked expired
        await transitions.expire_stale_holds(uow, calendar, start_at - AROUND, end_at + AROUND)
    others = await free_slots.claims_in_the_way(
        uow, calendar, start_at, end_at, excluding=moving, stale_holds_too=True
    )
    if any(not b.is_active(uow.now) for b in others):
        # Rare: expire them (their places may go to the waitlist) and look again.
        await transitions.expire_stale_holds(uow, calendar, start_at - AROUND, end_at + AROUND)
        others = await free_slots.claims_in_the_way(
            uow, calendar, start_at, end_at, excluding=moving
        )
    free_slots.refuse_overlaps(calendar, start_at, end_at, others)
    if await someone_waits(uow, None, calendar.id, start_at):
        raise SlotTaken(KEPT_FOR_THE_WAITLIST)


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
    series_id: int | None = None,
) -> NewBooking:
    """Claim one slot length of the calendar from `start_at`; a hold when `hold_for`; an
    occurrence of `series_id` if given. A calendar for signed-in patients only takes only
    their reservations."""
    if calendar.patients_only and source != Source.RESERVATIONS:
        raise PatientsOnly()
    end_at = start_at + calendar.slot_length
    with booking_attempt(source):
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
            buffers=calendar.buffers,
            pending=calendar.requires_approval,
            series_id=series_id,
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


async def get_booking(uow: UnitOfWork, booking_id: int, *, lock: bool = False) -> Booking:
    booking = await reads.get_booking(uow, booking_id, lock=lock)
    if booking is None:
        raise BookingNotFound()
    return booking


async def get_booking_by_token(uow: UnitOfWork, token: str, *, lock: bool = False) -> Booking:
    """The booking this manage token belongs to (`lock`: its row locked until the
    transaction ends); unknown or malformed: BookingNotFound."""
    booking = await reads.booking_with_token_hash(uow, hash_token(token), lock=lock)
    if booking is None:
        raise BookingNotFound()
    return booking
