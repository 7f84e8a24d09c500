"""Reading bookings and explicit slots: by id or token, lists, and the claims that a
window of calendar time meets."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import asyncpg
from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from slotbook.booking.model import OCCUPYING, Booking, BookingStatus, SeatSlot
from slotbook.calendars.model import Calendar
from slotbook.engine import UnitOfWork
from slotbook.scheduling.rules import MAX_BUFFER, Buffers, ClaimedTime
from slotbook.store.bookings.predicates import (
    LONGEST_CLAIM,
    claimed_range_meets,
    contains_text,
    live_hold,
    occupying,
    stale_hold,
    time_claims_overlapping,
)
from slotbook.store.bookings.waitlist import anyone_waiting_for_slot
from slotbook.store.driver_sql import DriverStatement
from slotbook.store.tables import bookings, calendars, slots

#: every column of a booking but the hash of its manage token
BOOKING_COLUMNS = [c for c in bookings.c if c.name != "token_hash"]


def booking_from(row: Row[Any]) -> Booking:
    return Booking(**row._mapping)


async def get_booking(uow: UnitOfWork, booking_id: int, *, lock: bool = False) -> Booking | None:
    """The booking with this id; `lock` as for `booking_with_token_hash`."""
    query = select(*BOOKING_COLUMNS).where(bookings.c.id == booking_id)
    row = (await uow.conn.execute(query.with_for_update() if lock else query)).first()
    return booking_from(row) if row else None


async def booking_with_token_hash(
    uow: UnitOfWork, token_hash: str, *, lock: bool = False
) -> Booking | None:
    """The booking whose manage token hashes to `token_hash`. `lock` holds its row until
    the transaction ends (PostgreSQL; SQLite's write transaction already excludes every
    other writer)."""
    query = select(*BOOKING_COLUMNS).where(bookings.c.token_hash == token_hash)
    row = (await uow.conn.execute(query.with_for_update() if lock else query)).first()
    return booking_from(row) if row else None


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


async def search_bookings(
    uow: UnitOfWork,
    *,
    calendar_id: int,
    statuses: list[str] | None,
    start: datetime | None,
    end: datetime | None,
    text: str | None,
    limit: int,
    offset: int,
) -> list[Booking]:
    """One calendar's bookings in start order: with one of `statuses` as a client sees
    them (a hold past its expiry is `expired`), starting in [start, end), whose name or
    email contains `text`."""
    query = (
        select(*BOOKING_COLUMNS)
        .where(bookings.c.calendar_id == calendar_id)
        .order_by(bookings.c.start_at, bookings.c.id)
    )
    if statuses is not None:
        query = query.where(or_(*(_seen_as(status, uow.now) for status in statuses)))
    if start is not None:
        query = query.where(bookings.c.start_at >= start)
    if end is not None:
        query = query.where(bookings.c.start_at < end)
    if text:
        query = query.where(contains_text((bookings.c.name, bookings.c.email), text))
    rows = await uow.conn.execute(query.limit(limit).offset(offset))
    return [booking_from(r) for r in rows]


def _seen_as(status: str, now: datetime) -> ColumnElement[bool]:
    """The bookings a client sees with `status` at `now` (`Booking.live_status`)."""
    if status == BookingStatus.HELD:
        return and_(bookings.c.status == status, live_hold(now))
    if status == BookingStatus.EXPIRED:
        return or_(bookings.c.status == status, stale_hold(now))
    return bookings.c.status == status


async def upcoming_of_email(uow: UnitOfWork, email: str, *, limit: int) -> list[Booking]:
    """The active bookings made with `email` (in any case) that have not started yet, in
    start order; at most `limit`, locked until the transaction ends (PostgreSQL)."""
    query = (
        select(*BOOKING_COLUMNS)
        .where(
            func.lower(bookings.c.email) == email.lower(),
            bookings.c.start_at > uow.now,
            occupying(uow.now),
        )
        .order_by(bookings.c.start_at, bookings.c.id)
        .limit(limit)
        .with_for_update()
    )
    return [booking_from(r) for r in await uow.conn.execute(query)]


async def claims_near(
    uow: UnitOfWork,
    calendar_id: int,
    start: datetime,
    end: datetime,
    *,
    excluding: int | None = None,
    stale_holds_too: bool = False,
) -> list[Booking]:
    """Active bookings of the calendar's time whose claimed range (their time with the
    buffers they were made with) may meet [start, end) (on PostgreSQL: does), in start
    order, but booking
    `excluding`; `stale_holds_too`: and holds whose grace period has ended but are not
    yet marked expired (the exclusion constraint still counts them)."""
    active = bookings.c.status.in_(OCCUPYING) if stale_holds_too else occupying(uow.now)
    query = (
        select(*BOOKING_COLUMNS)
        .order_by(bookings.c.start_at)
        .where(
            time_claims_overlapping(calendar_id, start - MAX_BUFFER, end + MAX_BUFFER),
            active,
        )
    )
    if uow.is_postgresql:  # exactly those that meet it, as the exclusion constraint sees them
        query = query.where(claimed_range_meets(start, end))
    if excluding is not None:
        query = query.where(bookings.c.id != excluding)
    return [booking_from(r) for r in await uow.conn.execute(query)]


_b = bookings.c
#: `claimed_times`' statement, its values given by name (`_claimed_times_params`)
_CLAIMED_TIMES = (
    select(_b.start_at, _b.end_at, _b.buffer_before_minutes, _b.buffer_after_minutes)
    .order_by(_b.start_at)
    .where(
        time_claims_overlapping(
            bindparam("calendar_id"),
            bindparam("start"),
            bindparam("end"),
            started_after=bindparam("started_after"),
        ),
        occupying(bindparam("now")),
    )
)
#: `_CLAIMED_TIMES` on PostgreSQL, on the driver: only the claims whose claimed range (their
#: time with the buffers each was made with) meets [lo, hi), the window widened by the
#: calendar's own buffers — the ones a slot list can meet; the `MAX_BUFFER` margins bound
#: the index's scan, this sends the rest no further (a day's list reads a day's claims,
#: not three days')
_CLAIMED_MEETING = _CLAIMED_TIMES.where(claimed_range_meets(bindparam("lo"), bindparam("hi")))
_CLAIMED_TIMES_ON_DRIVER = DriverStatement.of(_CLAIMED_MEETING)
_claimed = _CLAIMED_MEETING.subquery("claimed")
#: `_CLAIMED_MEETING`'s rows as one row of four arrays (starts, ends, buffers before and
#: after, in start order), for a statement that reads them with something else (joined
#: to it: it is always one row); its parameters are `claimed_times_given`'s. Arrays of
#: plain types, not one array of rows: the driver decodes them in a third of the time.
CLAIMED_TIMES_ARRAYS = select(
    *(
        func.coalesce(
            func.array_agg(aggregate_order_by(column, _claimed.c.start_at)),
            literal_column("'{}'"),
        ).label(f"claimed_{column.name}")
        for column in _claimed.c
    )
).subquery("claimed_times")


def claimed_times_of(arrays: Sequence[Sequence[Any]]) -> list[ClaimedTime]:
    """The claimed times in `CLAIMED_TIMES_ARRAYS`' four arrays."""
    return list(zip(*arrays, strict=True))


def claimed_times_given(
    calendar_id: int, start: datetime, end: datetime, now: datetime, buffers: Buffers
) -> dict[str, Any]:
    """The parameters of `claimed_times`' statement for [start, end) at `now`, for a
    calendar whose bookings take `buffers`."""
    meets = buffers.around(start, end)
    start, end = start - MAX_BUFFER, end + MAX_BUFFER
    given = {"calendar_id": calendar_id, "start": start, "end": end, "now": now}
    given |= {"started_after": start - LONGEST_CLAIM, "lo": meets.start, "hi": meets.end}
    return given


async def claimed_times(
    uow: UnitOfWork, calendar: Calendar, start: datetime, end: datetime
) -> Sequence[ClaimedTime]:
    """What slot lists weigh of the calendar's active bookings: those whose claimed range
    (their time with the buffers each was made with) meets [start, end) widened by the
    calendar's own buffers, in start order — each one's time and buffers, as plain tuples,
    four columns, not whole bookings (a month of a full calendar is a thousand and more).
    Straight on the driver in a unit outside any transaction (the database leaves out
    the rest there)."""
    given = claimed_times_given(calendar.id, start, end, uow.now, calendar.buffers)
    if uow.outside_transaction:
        on_driver = await _CLAIMED_TIMES_ON_DRIVER.fetch(uow.driver(), given)
        return cast(Sequence[ClaimedTime], on_driver)
    lo, hi = given["lo"], given["hi"]
    rows = (await uow.conn.execute(_CLAIMED_TIMES, given)).all()
    return [claim for claim in rows if _claimed_range_meets(claim, lo, hi)]


def _claimed_range_meets(claim: Sequence[Any], lo: datetime, hi: datetime) -> bool:
    """Whether a claimed time's range (its time with the buffers it was made with, as
    `Buffers.around` widens it) meets [lo, hi)."""
    start, end, before, after = claim
    if before or after:  # most bookings have none: no arithmetic for them
        start, end = start - timedelta(minutes=before), end + timedelta(minutes=after)
    return bool(start < hi and end > lo)


async def bookers_between(
    uow: UnitOfWork,
    calendar_id: int,
    start: datetime,
    end: datetime | None = None,
    *,
    as_counted: bool = False,
) -> list[tuple[datetime, str | None, int | None]]:
    """(start, email, user id) of the calendar's active bookings starting in [start, end):
    what its booking limits count. Active as every read sees it (a hold until its grace
    period ends), or `as_counted` by the limit counters (by status: a hold until it is
    marked expired, which gives its units back)."""
    query = select(bookings.c.start_at, bookings.c.email, bookings.c.user_id).where(
        bookings.c.calendar_id == calendar_id,
        bookings.c.start_at >= start,
        bookings.c.status.in_(OCCUPYING) if as_counted else occupying(uow.now),
    )
    if end is not None:
        query = query.where(bookings.c.start_at < end)
    return [(r.start_at, r.email, r.user_id) for r in await uow.conn.execute(query)]


async def active_claims_between(
    uow: UnitOfWork, calendar_id: int, start: datetime, end: datetime
) -> list[Booking]:
    """The active bookings of the calendar's time that overlap [start, end)."""
    rows = await uow.conn.execute(
        select(*BOOKING_COLUMNS).where(
            time_claims_overlapping(calendar_id, start, end), occupying(uow.now)
        )
    )
    return [booking_from(r) for r in rows]


async def live_holds_between(
    uow: UnitOfWork, calendar_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """(start, expiry) of every unexpired hold on the calendar's time overlapping
    [start, end)."""
    rows = await uow.conn.execute(
        select(bookings.c.start_at, bookings.c.hold_expires_at).where(
            time_claims_overlapping(calendar_id, start, end),
            bookings.c.status == BookingStatus.HELD,
            live_hold(uow.now),
        )
    )
    return [(row.start_at, row.hold_expires_at) for row in rows]


async def has_stale_holds(uow: UnitOfWork) -> bool:
    """Whether any hold's grace period has ended without it being marked expired."""
    query = select(bookings.c.id).where(stale_hold(uow.now)).limit(1)
    return (await uow.conn.execute(query)).first() is not None


async def overdue_pending(uow: UnitOfWork) -> list[int]:
    """The pending bookings older than their calendar's approval timeout."""
    waiting = await uow.conn.execute(
        select(bookings.c.id, bookings.c.created_at, calendars.c.approval_timeout_minutes)
        .join(calendars, calendars.c.id == bookings.c.calendar_id)
        .where(bookings.c.status == BookingStatus.PENDING)
    )
    return [
        booking_id
        for booking_id, created_at, minutes in waiting
        if created_at + timedelta(minutes=minutes) <= uow.now
    ]


async def get_seat_slot(uow: UnitOfWork, slot_id: int) -> SeatSlot | None:
    row = (await uow.conn.execute(select(slots).where(slots.c.id == slot_id))).first()
    return SeatSlot(**row._mapping) if row else None


@dataclass(frozen=True, slots=True)
class SlotToClaim:
    """What a seat claim needs to know of its slot before it claims: the slot, its
    event, whether anyone waits for it, and the id its booking will have."""

    slot: SeatSlot
    calendar: Calendar
    someone_waits: bool
    booking_id: int


_SLOT_TO_CLAIM = DriverStatement.of(
    select(
        slots,
        calendars,
        anyone_waiting_for_slot(bindparam("slot_id")),
        func.nextval(func.pg_get_serial_sequence(bookings.name, bookings.c.id.name)),
    )
    .join_from(slots, calendars, calendars.c.id == slots.c.calendar_id)
    .where(slots.c.id == bindparam("slot_id"))
)


async def slot_to_claim(driver: asyncpg.Connection, slot_id: int) -> SlotToClaim | None:
    """One statement on its own (PostgreSQL, `Database.autocommit`), which takes an id
    of the bookings' sequence; None if there is no such slot."""
    row = await _SLOT_TO_CLAIM.fetchrow(driver, {"slot_id": slot_id})
    if row is None:
        return None
    n, m = len(slots.c), len(slots.c) + len(calendars.c)
    return SlotToClaim(
        slot=SeatSlot(**dict(zip(slots.c.keys(), row[:n], strict=True))),
        calendar=Calendar(**dict(zip(calendars.c.keys(), row[n:m], strict=True))),
        someone_waits=row[m],
        booking_id=row[m + 1],
    )


async def seat_slots_of(uow: UnitOfWork, calendar_ids: list[int]) -> dict[int, list[SeatSlot]]:
    """The slots of each event, in time order, with their live seat counts."""
    rows = await uow.conn.execute(
        select(slots)
        .where(slots.c.calendar_id.in_(calendar_ids))
        .order_by(slots.c.start_at, slots.c.end_at, slots.c.id)
    )
    found: dict[int, list[SeatSlot]] = defaultdict(list)
    for row in rows:
        found[row.calendar_id].append(SeatSlot(**row._mapping))
    return found
