"""The one writer of booking state: every change of a booking, every seat count and
every booking-limit counter.

Each transition is one function: it writes the booking's row, keeps the seat counters
of explicit slots right (a slot's `taken` is exactly the seats of its active bookings),
keeps the kept limit counters right (`store.booking_counts`: one unit per active
booking), and records the change through `_record`, which marks the calendar-days it
touched (live boards and the slot cache hear of them after commit) and appends the
change's event to the transactional outbox, in the same transaction as the change.

Every transition that frees a place (cancel, move away, decline, expiry) offers it, in
the same transaction, to the first on its waitlist (`_pass_on`, asking `booking.offers`
who that is): the place becomes a hold for them, so nobody else can take it meanwhile.

`create_at_once` and `create_seats_at_once` are the transitions outside a unit of work:
a new claim of time on a calendar without limits, or of seats on a slot of an event
without limits, as one statement that commits by itself on PostgreSQL (a claim of time:
as one write transaction in one hop to the connection's thread on SQLite), its outbox
event and news inside it.

Nothing else writes `bookings`, `slots` or `booking_counts` (the architecture test holds
it so).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from slotbook.booking import offers
from slotbook.booking.document import booking_document
from slotbook.booking.model import Booking, BookingStatus, Draft, NewBooking, SeatSlot, Source
from slotbook.booking.tokens import hash_token, new_token
from slotbook.calendars.model import Calendar
from slotbook.engine import CalendarDay, Engine, UnitOfWork
from slotbook.errors import (
    Conflict,
    LimitReached,
    NotChangeable,
    NotPending,
    SlotFull,
    StatementLost,
)
from slotbook.scheduling.rules import Limits, Period, Quota, booker_key, starts_on
from slotbook.store.bookings import booking_counts
from slotbook.store.bookings import booking_reads as reads
from slotbook.store.bookings import booking_writes as rows
from slotbook.store.bookings import series as series_rows
from slotbook.store.bookings import waitlist as lines
from slotbook.store.bookings.booking_counts import CountKey
from slotbook.store.calendars import calendars_by_id
from slotbook.store.outbox import outbox
from slotbook.store.savepoint import savepoint


class Transition(StrEnum):
    """A change of a booking's state, named as its outbox event (and webhook) type."""

    CREATED = "booking.created"  # confirmed at once
    HELD = "booking.held"  # reserved for a grace period
    REQUESTED = "booking.pending"  # made, awaiting the owner's approval
    CONFIRMED = "booking.confirmed"  # a hold made firm
    APPROVED = "booking.approved"  # a pending booking the owner accepted: confirmed
    DECLINED = "booking.declined"  # a pending booking refused (by the owner or the timeout)
    MOVED = "booking.moved"  # to another time or slot
    CANCELLED = "booking.cancelled"
    EXPIRED = "booking.expired"  # a hold whose grace period ended
    SERIES_CREATED = "series.created"  # a series booked whole (its first occurrence)
    SERIES_CANCELLED = "series.cancelled"  # a series ended (its first occurrence)
    WAITLIST_OFFERED = "waitlist.offered"  # a freed place held for the next in line
    WAITLIST_ACCEPTED = "waitlist.accepted"  # they took it: the hold is their booking
    WAITLIST_LAPSED = "waitlist.lapsed"  # the offer's hold ran out (or was cancelled)


async def _record(
    uow: UnitOfWork,
    transition: Transition,
    booking: Booking,
    calendar: Calendar,
    *,
    was: Booking | None = None,
    token: str | None = None,
) -> None:
    """The one place every transition reports itself, inside its transaction: the
    calendar-days it changed (the booking's day, and the day it left when `was` is
    given), and `transition`'s event in the outbox, with the booking as it is now (and a
    new booking's manage `token`, for its confirmation email)."""
    if was is not None:
        uow.touch(was.calendar_id, calendar.local_day(was.start_at))
    uow.touch(booking.calendar_id, calendar.local_day(booking.start_at))
    await outbox.append(
        uow,
        type=transition,
        calendar_id=booking.calendar_id,
        booking_id=booking.id,
        booking=booking_document(booking, calendar, uow.now),
        sequence=booking.sequence,
        manage_token=token,
    )


# -- limit counters -------------------------------------------------------------------


def _count_keys(booking: Booking, zone: ZoneInfo) -> list[CountKey]:
    """Every counter an active booking is a unit of, where that counter is kept."""
    day = booking.start_at.astimezone(zone).date()
    whose = ["", booker_key(booking.email, booking.user_id) or ""]
    return [(p, starts_on(p, day), who) for p in Period for who in dict.fromkeys(whose)]


async def _recount(
    uow: UnitOfWork,
    calendar_id: int,
    limits: Limits,
    *,
    taking: Iterable[Quota] = (),
    giving_back: Iterable[CountKey] = (),
) -> None:
    """Take a unit of each quota (LimitReached, naming it, when one is used up) and give
    one back to each counter, in one global order of counter rows so that no two
    transactions ever wait on each other's rows in a cycle. Under a weekly limit a
    change on one day opens or closes the others of its week: every day is touched."""
    if limits.per_week is not None:
        uow.touch(calendar_id, None)
    returned = set(giving_back)
    taken = {key: q for q in taking if (key := (q.period, q.starts_on, q.booker)) not in returned}
    returned -= {(q.period, q.starts_on, q.booker) for q in taking}  # kept: a move within it
    for key in sorted(taken.keys() | returned):
        if key in returned:
            await booking_counts.give_back(uow, calendar_id, key)
        elif not await booking_counts.take(uow, calendar_id, taken[key]):
            raise LimitReached(taken[key].refusal())


async def _limits(uow: UnitOfWork, calendar_id: int, *, claiming_time: bool = False) -> Limits:
    """The calendar's limits as of now, read so that no settings change can start or
    stop keeping a counter before this transaction ends (`booking_counts`);
    `claiming_time`: and queue behind the calendar's other moves of time claims
    (PostgreSQL), so that overlapping moves never deadlock."""
    return await booking_counts.lock_limits(uow, calendar_id, claiming_time=claiming_time)


def _quotas(limits: Limits, calendar: Calendar, booking: Booking | Draft) -> list[Quota]:
    day = calendar.local_day(booking.start_at)
    return limits.quotas(day, booker_key(booking.email, booking.user_id))


async def _release(uow: UnitOfWork, booking: Booking, zone: ZoneInfo) -> None:
    """Give back what an active booking held: its seats and its units of the limits."""
    if booking.slot_id is not None:
        await rows.release_seats(uow, booking.slot_id, booking.seats)
    limits = await _limits(uow, booking.calendar_id)
    await _recount(uow, booking.calendar_id, limits, giving_back=_count_keys(booking, zone))


# -- the waitlist ---------------------------------------------------------------------


async def _pass_on(uow: UnitOfWork, calendar: Calendar, freed: Booking) -> None:
    """`freed` no longer occupies its place (its time or seats are given back): if it was
    a waitlist offer, the offer has lapsed (WAITLIST_LAPSED); then the place is offered
    to whoever is first in line for it (WAITLIST_OFFERED), as a hold for them. Each try
    is a savepoint: a claim refused (the time still taken by another claim, too few
    seats, a limit) writes nothing. On a slot the line stops at the first who cannot
    be given their seats, so nobody behind them goes first."""
    if freed.source == Source.WAITLIST and await lines.lapse_offer_of(uow, freed.id):
        await _record(uow, Transition.WAITLIST_LAPSED, freed, calendar)
    for offer in await offers.next_in_line(uow, calendar, freed):
        try:
            async with savepoint(uow):
                await offers.check_place_free(uow, calendar, offer.hold)
                made = await create(uow, calendar, offer.hold)
        except Conflict:
            if offer.hold.slot_id is not None:
                break
            continue
        assert offer.hold.hold_until is not None
        await lines.set_offered(uow, offer.entry.id, made.booking.id, offer.hold.hold_until)
        await _record(uow, Transition.WAITLIST_OFFERED, made.booking, calendar)


async def accept_offer(
    uow: UnitOfWork, entry_id: int, hold: Booking, calendar: Calendar
) -> NewBooking | None:
    """WAITLIST_ACCEPTED: the offer's hold, if still live, becomes the waiter's booking
    (CONFIRMED, or REQUESTED on a calendar that requires approval), with a fresh manage
    token; None if the offer has lapsed."""
    token, token_hash = new_token()
    booked = await confirm(uow, hold, calendar, token_hash=token_hash)
    if booked is None:
        return None
    await lines.set_status(uow, entry_id, lines.EntryStatus.BOOKED)
    await _record(uow, Transition.WAITLIST_ACCEPTED, booked, calendar)
    return NewBooking(booked, token)


# -- transitions ----------------------------------------------------------------------


def _row(draft: Draft, now: datetime) -> dict[str, Any]:
    """The columns of a new booking, token aside."""
    return {
        "calendar_id": draft.calendar_id,
        "slot_id": draft.slot_id,
        "start_at": draft.start_at,
        "end_at": draft.end_at,
        "status": draft.status,
        "hold_expires_at": draft.hold_until,
        "name": draft.name,
        "email": draft.email,
        "user_id": draft.user_id,
        "source": draft.source,
        "created_at": now,
        "updated_at": now,
        "seats": draft.seats,
        "buffer_before_minutes": draft.buffers.before_minutes,
        "buffer_after_minutes": draft.buffers.after_minutes,
        "series_id": draft.series_id,
    }


_MADE = {
    BookingStatus.HELD: Transition.HELD,
    BookingStatus.PENDING: Transition.REQUESTED,
    BookingStatus.CONFIRMED: Transition.CREATED,
}


async def create(uow: UnitOfWork, calendar: Calendar, draft: Draft) -> NewBooking:
    """CREATED, HELD (the draft has `hold_until`) or REQUESTED (pending approval): write
    the booking with a fresh manage token, taking a unit of each of the calendar's
    limits first (LimitReached). On calendar time the exclusion constraint over claimed
    ranges (PostgreSQL) or the caller's overlap check under the write lock (SQLite)
    decides: SlotTaken. On a slot it takes
    the draft's seats, as late as possible so a hot slot's row stays locked briefly:
    SlotFull when too few are left."""
    limits = await _limits(uow, calendar.id)
    await _recount(uow, calendar.id, limits, taking=_quotas(limits, calendar, draft))
    values = _row(draft, uow.now)
    token, token_hash = new_token()
    row = values | {"token_hash": token_hash}
    new_id: int | None
    if draft.slot_id is None:
        new_id = await rows.insert_booking(uow, row)
    elif uow.is_postgresql:  # seats and booking in one statement
        new_id = await rows.insert_booking_taking_seats(uow, draft.slot_id, row)
    else:  # the seats are the transaction's last statement
        new_id = await rows.insert_booking(uow, row)
        if not await rows.take_seats(uow, draft.slot_id, draft.seats):
            new_id = None
    if new_id is None:
        raise SlotFull()
    booking = Booking(id=new_id, **values)
    await _record(uow, _MADE[draft.status], booking, calendar, token=token)
    return NewBooking(booking, token)


async def create_at_once(
    engine: Engine,
    calendar: Calendar,
    draft: Draft,
    now: datetime,
    *,
    clear_of: Callable[[list[Booking]], bool],
) -> NewBooking | None:
    """CREATED or REQUESTED in one go, outside a unit of work, for a claim of time on a
    calendar without limits (no counter to take), as this process keeps it: the booking,
    its outbox event and the news of its day, written only if the calendar is still at
    the version kept, nobody waits for the time, and the claim is let in — by the
    exclusion constraint, on PostgreSQL, in one statement that commits by itself
    (`booking_writes.claim_at_once`); on SQLite by the one writer, if `clear_of` finds
    none of the claims near in its way, in one write transaction run on the
    connection's own thread (`booking_writes.claim_at_once_on_sqlite`). None when
    nothing was written: the caller claims in a unit of work instead, which says why."""
    assert draft.slot_id is None and draft.hold_until is None and not calendar.limits.any
    values = _row(draft, now)
    token, token_hash = new_token()
    booking = Booking(id=0, **values)
    document = booking_document(booking, calendar, now)
    del document["id"]  # the statement puts the new id first
    event = outbox.event_row(
        type=_MADE[draft.status],
        calendar_id=calendar.id,
        booking=outbox.as_json(document),
        occurred_at=now,
        manage_token=token,
    )
    days = frozenset({CalendarDay(calendar.id, calendar.local_day(draft.start_at))})
    row = values | {"token_hash": token_hash}
    if engine.db.is_sqlite:
        new_id = await rows.claim_at_once_on_sqlite(
            engine.db,
            calendar_version=calendar.version,
            values=row,
            event=event,
            news=engine.news(days, now),
            claimed=calendar.buffers.around(draft.start_at, draft.end_at),
            clear_of=clear_of,
        )
    else:
        new_id = await _claim_at_once_on_postgresql(engine, calendar, row, event, days)
    if new_id is None:
        return None
    await engine.announce(days)
    return NewBooking(replace(booking, id=new_id), token)


async def _claim_at_once_on_postgresql(
    engine: Engine,
    calendar: Calendar,
    row: dict[str, Any],
    event: dict[str, Any],
    days: frozenset[CalendarDay],
) -> int | None:
    """`booking_writes.claim_at_once`, its NOTIFY of `days` within. If the connection
    drops meanwhile, the booking is looked for by its token: found, it is this claim's."""
    try:
        async with engine.db.autocommit() as driver:
            return await rows.claim_at_once(
                driver,
                calendar_version=calendar.version,
                values=row,
                event=event,
                notices=engine.notices(days),
            )
    except StatementLost:
        return await _written(engine, row["token_hash"])


async def create_seats_at_once(
    engine: Engine, calendar: Calendar, draft: Draft, booking_id: int, now: datetime
) -> NewBooking | None:
    """CREATED or REQUESTED on an explicit slot as one statement that commits by itself
    (PostgreSQL): the draft's seats, the booking (with the id `booking_id`, taken
    beforehand), its outbox event and the news of its day
    (`booking_writes.book_seats_at_once`), so a hot slot's row is locked only while that
    statement runs. SlotFull when too few seats are left; None when nothing was written
    for a reason a unit of work settles (the calendar keeps booking limits, which
    `create` takes): the caller claims in one. If the connection drops meanwhile, the
    booking is looked for by its token: found, it is this claim's."""
    assert draft.slot_id is not None and draft.hold_until is None
    values = _row(draft, now)
    token, token_hash = new_token()
    booking = Booking(id=booking_id, **values)
    event = outbox.event_row(
        type=_MADE[draft.status],
        calendar_id=calendar.id,
        booking=outbox.as_json(booking_document(booking, calendar, now)),
        occurred_at=now,
        manage_token=token,
    )
    days = frozenset({CalendarDay(calendar.id, calendar.local_day(draft.start_at))})
    try:
        async with engine.db.autocommit() as driver:
            claimed = await rows.book_seats_at_once(
                driver,
                draft.slot_id,
                values | {"id": booking_id, "token_hash": token_hash},
                event | {"booking_id": booking_id},
                engine.notices(days),
            )
    except StatementLost:
        written = await _written(engine, token_hash)
        claimed = rows.SeatClaim.UNSETTLED if written is None else rows.SeatClaim.MADE
    if claimed is rows.SeatClaim.FULL:
        raise SlotFull()
    if claimed is rows.SeatClaim.UNSETTLED:
        return None
    await engine.announce(days)
    return NewBooking(booking, token)


async def _written(engine: Engine, token_hash: str) -> int | None:
    """After a statement whose connection dropped: the id of the booking it was to write
    (with this token), if it was written."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            written = await reads.booking_with_token_hash(uow, token_hash)
    return written.id if written else None


async def confirm(
    uow: UnitOfWork, booking: Booking, calendar: Calendar, *, token_hash: str | None = None
) -> Booking | None:
    """CONFIRMED: make a hold still live firm — or REQUESTED, pending the owner's
    approval, on a calendar that requires it; None if it is not a live hold (any more).
    `token_hash`: the booking's manage token is replaced by this one's."""
    pending = calendar.requires_approval
    to = BookingStatus.PENDING if pending else BookingStatus.CONFIRMED
    confirmed = await rows.confirm_hold(uow, booking.id, to=to, token_hash=token_hash)
    if confirmed is not None:
        transition = Transition.REQUESTED if pending else Transition.CONFIRMED
        await _record(uow, transition, confirmed, calendar)
    return confirmed


async def approve(uow: UnitOfWork, booking: Booking, calendar: Calendar) -> Booking:
    """APPROVED: a pending booking becomes confirmed (NotPending if it is not pending:
    an approval and a decline can never both win)."""
    approved = await rows.decide_pending(uow, booking.id, BookingStatus.CONFIRMED)
    if approved is None:
        raise NotPending(f"This booking is {booking.status}, not pending")
    await _record(uow, Transition.APPROVED, approved, calendar)
    return approved


async def decline(uow: UnitOfWork, booking: Booking, calendar: Calendar) -> Booking:
    """DECLINED: a pending booking is refused; its time or seats are free once this
    commits (NotPending if it is not pending)."""
    declined = await rows.decide_pending(uow, booking.id, BookingStatus.DECLINED)
    if declined is None:
        raise NotPending(f"This booking is {booking.status}, not pending")
    await _release(uow, declined, calendar.zone)
    await _record(uow, Transition.DECLINED, declined, calendar)
    await _pass_on(uow, calendar, declined)
    return declined


async def decline_overdue(uow: UnitOfWork) -> int:
    """DECLINED: every pending booking older than its calendar's approval timeout; how
    many."""
    declined = await rows.decline_overdue(uow)
    await _released_in_bulk(uow, declined, Transition.DECLINED)
    return len(declined)


async def cancel(uow: UnitOfWork, booking: Booking, calendar: Calendar) -> Booking:
    """CANCELLED: an active booking; its time or seats are free as soon as this commits."""
    cancelled = await rows.cancel_active(uow, booking.id)
    if cancelled is None:
        raise NotChangeable("This booking is not active")
    await _release(uow, cancelled, calendar.zone)
    await _record(uow, Transition.CANCELLED, cancelled, calendar)
    await _pass_on(uow, calendar, cancelled)
    return cancelled


async def move_time(
    uow: UnitOfWork, booking: Booking, calendar: Calendar, start_at: datetime, end_at: datetime
) -> Booking:
    """MOVED on calendar time, with the calendar's buffers as they are now: release and
    claim in one write (SlotTaken if the exclusion constraint refuses the new claimed
    range); a move to another day or week takes a unit of its limits (LimitReached)."""
    limits = await _limits(uow, calendar.id, claiming_time=True)
    target = Draft(
        calendar_id=calendar.id,
        start_at=start_at,
        end_at=end_at,
        source=booking.source,
        email=booking.email,
        user_id=booking.user_id,
    )
    await _recount(
        uow,
        calendar.id,
        limits,
        taking=_quotas(limits, calendar, target),
        giving_back=_count_keys(booking, calendar.zone),
    )
    moved = await rows.set_time(
        uow, booking.id, start_at=start_at, end_at=end_at, buffers=calendar.buffers
    )
    await _record(uow, Transition.MOVED, moved, calendar, was=booking)
    await _pass_on(uow, calendar, booking)
    return moved


async def move_seat(
    uow: UnitOfWork, booking: Booking, calendar: Calendar, target: SeatSlot
) -> Booking:
    """MOVED to another slot, all its seats: the target's seats are taken before the old
    ones are given back, in one transaction (SlotFull if too few are left)."""
    assert booking.slot_id is not None
    await rows.lock_slots(uow, (booking.slot_id, target.id))
    if not await rows.take_seats(uow, target.id, booking.seats):
        raise SlotFull()
    await rows.release_seats(uow, booking.slot_id, booking.seats)
    moved = await rows.set_time(
        uow, booking.id, start_at=target.start_at, end_at=target.end_at, slot_id=target.id
    )
    await _record(uow, Transition.MOVED, moved, calendar, was=booking)
    await _pass_on(uow, calendar, booking)
    return moved


async def expire_stale_holds(
    uow: UnitOfWork,
    calendar: Calendar | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> int:
    """EXPIRED: every hold whose grace period has ended (only those on `calendar`'s time
    overlapping [start, end), if given), giving back their seats and limits; how many."""
    within = (calendar.id, start, end) if calendar and start and end else None
    expired = await rows.expire_stale_holds(uow, within=within)
    known = {calendar.id: calendar} if calendar else None
    await _released_in_bulk(uow, expired, Transition.EXPIRED, calendars=known)
    return len(expired)


async def _released_in_bulk(
    uow: UnitOfWork,
    released: list[Booking],
    transition: Transition,
    *,
    calendars: Mapping[int, Calendar] | None = None,
) -> None:
    """Give back what these bookings, just made inactive, held; record each."""
    if not released:
        return
    calendars = calendars or await calendars_by_id(uow, {b.calendar_id for b in released})
    for booking in sorted(released, key=lambda b: b.calendar_id):
        await _release(uow, booking, calendars[booking.calendar_id].zone)
    for booking in released:
        await _record(uow, transition, booking, calendars[booking.calendar_id])
    for booking in released:
        await _pass_on(uow, calendars[booking.calendar_id], booking)


async def add_seat_slots(
    uow: UnitOfWork, calendar: Calendar, slots: Sequence[Mapping[str, Any]]
) -> list[SeatSlot]:
    """Open an event's explicit slots (columns as `store.tables.slots`), no seat taken,
    on its `event_date`."""
    written = await rows.insert_slots(uow, slots)
    uow.touch(calendar.id, calendar.event_date)
    return written


# -- series ---------------------------------------------------------------------------


async def open_series(
    uow: UnitOfWork, calendar: Calendar, values: Mapping[str, Any], token: str
) -> series_rows.SeriesRow:
    """A new series row (its occurrences are then `create`d with its id, and
    `series_booked` records it once all are)."""
    row = dict(values) | {
        "calendar_id": calendar.id,
        "token_hash": hash_token(token),
        "status": "active",
        "created_at": uow.now,
    }
    return await series_rows.insert_series(uow, row)


async def series_booked(uow: UnitOfWork, calendar: Calendar, first: Booking) -> None:
    """SERIES_CREATED: every occurrence is booked; the event carries the first (each
    occurrence has its own `booking.created` too)."""
    await _record(uow, Transition.SERIES_CREATED, first, calendar)


async def end_series(
    uow: UnitOfWork, series: series_rows.SeriesRow, calendar: Calendar, first: Booking
) -> None:
    """SERIES_CANCELLED: the series is ended (its future occurrences are `cancel`led
    one by one, each with its own event); the event carries its first occurrence."""
    await series_rows.set_status(uow, series.id, "cancelled")
    await _record(uow, Transition.SERIES_CANCELLED, first, calendar)


# -- manage tokens --------------------------------------------------------------------


async def renew_token(uow: UnitOfWork, booking: Booking) -> str:
    """A fresh manage token for the booking (the old one stops working); not a change
    of its state, so no event."""
    token, token_hash = new_token()
    await rows.set_token_hash(uow, booking.id, token_hash)
    return token
