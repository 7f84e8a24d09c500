"""Claims on calendar time: what a claim checks before `transitions` writes it.

The no-overlap invariant is the database's: on PostgreSQL the exclusion constraint
`bookings_no_overlap` rejects the second of two overlapping claims; on SQLite the write
transaction began with BEGIN IMMEDIATE (`store.db`), so the overlap check below cannot
race. Stale holds on the range are expired first, so they never block. Overlapping
claims never deadlock on each other's exclusion checks (`store.booking_writes`).

`claim_kept_time` is the express form of `claim_time`: a claim that needs no read goes to
the database in one round trip (`transitions.create_at_once`): one statement on
PostgreSQL, one write transaction run on the connection's own thread on SQLite.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from slotbook.availability import free_slots
from slotbook.booking import transitions
from slotbook.booking.model import Booking, Draft, NewBooking, Source
from slotbook.booking.seats import KEPT_FOR_THE_WAITLIST
from slotbook.booking.tokens import hash_token
from slotbook.calendars.model import Calendar
from slotbook.engine import Engine, UnitOfWork
from slotbook.errors import BookingNotFound, DomainError, PatientsOnly, SlotTaken
from slotbook.observability.metrics import booking_attempt, count_created
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


def _draft(
    calendar: Calendar,
    start_at: datetime,
    now: datetime,
    *,
    source: str,
    name: str | None = None,
    email: str | None = None,
    user_id: int | None = None,
    hold_for: timedelta | None = None,
    series_id: int | None = None,
) -> Draft:
    """A claim of one slot length of the calendar from `start_at`, under its rules."""
    if calendar.patients_only and source != Source.RESERVATIONS:
        raise PatientsOnly()
    return Draft(
        calendar_id=calendar.id,
        start_at=start_at,
        end_at=start_at + calendar.slot_length,
        source=source,
        name=name,
        email=email,
        user_id=user_id,
        hold_until=now + hold_for if hold_for else None,
        buffers=calendar.buffers,
        pending=calendar.requires_approval,
        series_id=series_id,
    )


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
    draft = _draft(
        calendar,
        start_at,
        uow.now,
        source=source,
        name=name,
        email=email,
        user_id=user_id,
        hold_for=hold_for,
        series_id=series_id,
    )
    with booking_attempt(source):
        await _check_free(uow, calendar, start_at, draft.end_at)
        return await transitions.create(uow, calendar, draft)


async def claim_kept_time(
    engine: Engine,
    calendar: Calendar | None,
    start_in: Callable[[Calendar, datetime], datetime],
    *,
    source: str,
    name: str | None = None,
    email: str | None = None,
) -> tuple[NewBooking, Calendar] | None:
    """`claim_time` in one round trip, on a `calendar` as this process keeps it, from the
    start `start_in` the calendar at an instant names, if everything but the claim itself
    is known without reading: a calendar without limits whose hours of that month are
    kept too, on PostgreSQL (constraints decide) without news written by a recorder, or
    on SQLite (one write transaction in one hop to the connection's thread, where the one
    writer decides and the recorders' news is written too). Whatever cannot be settled
    so — no such calendar kept, a rule refusing the time, a calendar changed since,
    someone waiting, the time not free — is None, and writes nothing: the caller runs
    `claim_time` in a unit of work, which reads afresh and says why."""
    if (
        calendar is None
        or (engine.records_in_transactions and not engine.db.is_sqlite)
        or calendar.limits.any
    ):
        return None
    now = engine.clock()
    try:
        start_at = start_in(calendar, now)
        draft = _draft(calendar, start_at, now, source=source, name=name, email=email)
        free_slots.check_bookable(calendar, start_at, now)
        if calendar.enforce_hours and not await free_slots.check_kept_opening(
            engine, calendar, start_at
        ):
            return None
    except DomainError:  # the calendar kept may be out of date: only a unit of work can say
        return None
    made = await transitions.create_at_once(
        engine, calendar, draft, now, clear_of=_clear_of(calendar, draft, now)
    )
    if made is None:
        return None
    count_created(source)
    return made, calendar


def _clear_of(calendar: Calendar, draft: Draft, now: datetime) -> Callable[[list[Booking]], bool]:
    """What `_check_free` asks of the claims near `draft` (active ones and stale holds),
    for a claim that cannot expire holds nor say why it is refused: whether none is in
    its way — neither a stale hold (only a unit of work expires it) nor a claim
    `refuse_overlaps` refuses."""

    def clear_of(others: list[Booking]) -> bool:
        if any(not b.is_active(now) for b in others):
            return False
        try:
            free_slots.refuse_overlaps(calendar, draft.start_at, draft.end_at, others)
        except DomainError:
            return False
        return True

    return clear_of


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
