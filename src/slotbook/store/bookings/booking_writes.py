"""Every statement that changes a booking or a slot. Only `booking.transitions` runs these
(the architecture test holds it so); reads are in `store.booking_reads`.

A new time claim can also be one statement on its own (`claim_at_once`, PostgreSQL): the
claim, its outbox event and its NOTIFY, committed together in one round trip; on SQLite
one write transaction run in one hop on the connection's own thread
(`claim_at_once_on_sqlite`).

Overlapping claims never deadlock on each other's exclusion checks: a new claim is an
`INSERT … ON CONFLICT DO NOTHING` (`insert_booking`), and a move of a claim (`set_time`)
first queues behind the calendar's other moves (`store.booking_counts.lock_limits`).

Seats: a slot's `taken` is claimed with one conditional UPDATE (`taken + n <=
capacity`), atomic on both databases; no row updated means too few left. Time: on
PostgreSQL the exclusion constraint `bookings_no_overlap` (see `store.tables`) rejects
the second of two overlapping claimed ranges, which `insert_booking` and `set_time`
turn into SlotTaken.
"""

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

import asyncpg
from sqlalchemy import (
    BindParameter,
    Integer,
    String,
    Table,
    Update,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from slotbook.booking.model import OCCUPYING, Booking, BookingStatus, SeatSlot
from slotbook.engine import UnitOfWork
from slotbook.errors import SlotTaken
from slotbook.scheduling.rules import MAX_BUFFER, Buffers
from slotbook.scheduling.window import Interval
from slotbook.store.bookings.booking_reads import BOOKING_COLUMNS, booking_from, overdue_pending
from slotbook.store.bookings.predicates import (
    LONGEST_CLAIM,
    live_hold,
    occupying,
    stale_hold,
    time_claims_overlapping,
)
from slotbook.store.bookings.waitlist import EntryStatus, anyone_waiting_for_time
from slotbook.store.db import Database
from slotbook.store.driver_sql import DriverStatement
from slotbook.store.news import News
from slotbook.store.sqlite_statements import Prepared
from slotbook.store.tables import (
    EXCLUSION_VIOLATION,
    bookings,
    calendars,
    outbox_events,
    slots,
    waitlist_entries,
)


def _is_overlap_violation(exc: DBAPIError) -> bool:
    """The exclusion constraint refused the claim."""
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code == EXCLUSION_VIOLATION


async def insert_booking(uow: UnitOfWork, values: Mapping[str, Any]) -> int:
    """Write a booking row (`values`: every column but the id); its id. A claim of time
    the exclusion constraint refuses is not written: SlotTaken.

    On PostgreSQL the constraint is the arbiter of `INSERT … ON CONFLICT DO NOTHING`
    (no row back: refused), whose speculative insertion waits for a conflicting claim
    still in progress and counts it only if it commits, and never deadlocks with it; a
    plain INSERT's exclusion check would wait for the other's uncommitted row while the
    other waited for this one's (a deadlock PostgreSQL breaks after `deadlock_timeout`,
    which under load ran out the retries: 503s). The only other unique column of a
    booking is its random token's hash."""
    statement = (
        postgresql.insert(bookings).on_conflict_do_nothing()
        if uow.is_postgresql
        else insert(bookings)
    )
    result = await uow.conn.execute(statement.returning(bookings.c.id), dict(values))
    new_id: int | None = result.scalar_one_or_none()
    if new_id is None:
        raise SlotTaken()
    return new_id


def _typed_values(table: Table, columns: Sequence[str], first: int) -> list[str]:
    """`$first::type`, … : one parameter per column, cast to the column's type without its
    length (an INSERT's SELECT list does not take its types from the target columns; the
    column itself still refuses a value too long)."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return [
        f"${first + n}::{table.c[column].type.compile(dialect=dialect).split('(')[0]}"
        for n, column in enumerate(columns)
    ]


@cache
def _claim_statement(columns: tuple[str, ...], event_columns: tuple[str, ...]) -> str:
    """The statement of `claim_at_once` for a booking of `columns` and an event of
    `event_columns`: $1 the calendar's version, then the booking's values, the event's,
    and the notices' channels and payloads as two arrays."""
    values = _typed_values(bookings, columns, 2)
    calendar_id = values[columns.index("calendar_id")]
    start_at = values[columns.index("start_at")]
    after_booking = 2 + len(columns)
    event_values = _typed_values(outbox_events, event_columns, after_booking)
    document = event_columns.index("booking")
    without_id = event_values[document]
    event_values[document] = f"""'{{"id":' || claim.id || ',' || substr({without_id}, 2)"""
    notices = after_booking + len(event_columns)
    return f"""
WITH calendar AS (
    SELECT id FROM {calendars.name} WHERE id = {calendar_id} AND version = $1::text
    FOR KEY SHARE
), waiting AS (
    SELECT 1 FROM {waitlist_entries.name}
    WHERE calendar_id = {calendar_id} AND slot_id IS NULL AND start_at = {start_at}
      AND status = '{EntryStatus.WAITING.value}'
    LIMIT 1
), claim AS (
    INSERT INTO {bookings.name} ({", ".join(columns)})
    SELECT {", ".join(values)} FROM calendar
    WHERE NOT EXISTS (SELECT 1 FROM waiting)
    ON CONFLICT DO NOTHING
    RETURNING id
), event AS (
    INSERT INTO {outbox_events.name} (booking_id, {", ".join(event_columns)})
    SELECT claim.id, {", ".join(event_values)} FROM claim
), notice AS (
    SELECT pg_notify(channel, payload)
    FROM claim, unnest(${notices}::text[], ${notices + 1}::text[]) AS n(channel, payload)
)
SELECT (SELECT id FROM claim) AS id, (SELECT count(*) FROM notice) AS notices"""


async def claim_at_once(
    driver: asyncpg.Connection,
    *,
    calendar_version: str,
    values: Mapping[str, Any],
    event: Mapping[str, Any],
    notices: Sequence[tuple[str, str]],
) -> int | None:
    """Claim time in one statement that commits by itself (PostgreSQL): write the booking
    (`values`: every column but the id) and its outbox event (`event`: every column but
    the booking's id; its `booking` document is JSON without the id, which is put first)
    and send `notices` (channel, payload) — only if the calendar is still at
    `calendar_version` (its limits' lock held, as `booking_counts.lock_limits` takes it)
    and nobody waits for the time, and the exclusion constraint lets the claim in (it
    waits for a conflicting claim in progress, as `insert_booking` does). The new
    booking's id; None when nothing was written."""
    statement = _claim_statement(tuple(values), tuple(event))
    channels = [channel for channel, _ in notices]
    payloads = [payload for _, payload in notices]
    row = await driver.fetchrow(
        statement, calendar_version, *values.values(), *event.values(), channels, payloads
    )
    assert row is not None  # the statement's own SELECT always answers one row
    new_id: int | None = row["id"]
    return new_id


@cache
def _calendar_at_version() -> Prepared:
    """The calendar, if its row is still at `version`."""
    c = calendars.c
    at_version = c.id == bindparam("calendar_id", None), c.version == bindparam("version", None)
    return Prepared(select(c.id).where(*at_version), given=["calendar_id", "version"])


@cache
def _someone_waiting() -> Prepared:
    """Whether anyone is waiting for the calendar's time from `start_at` (`waiting`)."""
    waiting = anyone_waiting_for_time(bindparam("calendar_id", None), bindparam("start_at", None))
    return Prepared(select(waiting.label("waiting")), given=["calendar_id", "start_at"])


@cache
def _claims_near() -> Prepared:
    """`booking_reads.claims_near(..., stale_holds_too=True)` of [start, end), its bounds
    given: the claims of the calendar's time in [start, end), stale holds too."""
    given = ["calendar_id", "start", "end", "started_after"]
    near = time_claims_overlapping(
        *(bindparam(name, None) for name in given[:3]), started_after=bindparam(given[3], None)
    )
    query = select(*BOOKING_COLUMNS).where(near, bookings.c.status.in_(OCCUPYING))
    return Prepared(query, given=given)


@cache
def _inserted(table: Table, columns: tuple[str, ...], *, returning: bool = False) -> Prepared:
    """An INSERT of `columns` into `table` (`returning`: its row's id)."""
    statement = insert(table).returning(table.c.id) if returning else insert(table)
    return Prepared(statement, given=columns)


async def claim_at_once_on_sqlite(
    db: Database,
    *,
    calendar_version: str,
    values: Mapping[str, Any],
    event: Mapping[str, Any],
    news: Sequence[News],
    claimed: Interval,
    clear_of: Callable[[list[Booking]], bool],
) -> int | None:
    """`claim_at_once` on SQLite: one write transaction, run in one hop on a connection's
    own thread (`Database.write_at_once`), in which the one writer decides as a unit of
    work's claim does. It writes the booking, its event (as `claim_at_once`) and `news`
    (the rows the broker follows) only if the calendar is still at `calendar_version`,
    nobody waits for the time, and `clear_of` finds none of the claims that may meet the
    claimed range `claimed` (the time with the calendar's buffers; every claim
    `booking_reads.claims_near` weighs, stale holds too) in its way. The new booking's id;
    None when nothing was written."""
    calendar_id, start_at = values["calendar_id"], values["start_at"]
    version = {"calendar_id": calendar_id, "version": calendar_version}
    waiting = {"calendar_id": calendar_id, "start_at": start_at}
    start, end = claimed.start - MAX_BUFFER, claimed.end + MAX_BUFFER  # as `claims_near`
    near = {"calendar_id": calendar_id, "start": start, "end": end}
    near["started_after"] = start - LONGEST_CLAIM
    at_version, someone_waiting, claims_near = (
        _calendar_at_version(),
        _someone_waiting(),
        _claims_near(),
    )
    booking = _inserted(bookings, tuple(values), returning=True)
    made = _inserted(outbox_events, ("booking_id", *event))
    told = [(_inserted(n.table, tuple(n.rows[0])), n.rows) for n in news if n.rows]

    def claim(conn: sqlite3.Connection) -> int | None:
        if not at_version.run(conn, version) or someone_waiting.run(conn, waiting)[0]["waiting"]:
            return None
        if not clear_of([Booking(**row) for row in claims_near.run(conn, near)]):
            return None
        new_id: int = booking.run(conn, values)[0]["id"]
        document = f'{{"id":{new_id},{event["booking"][1:]}'  # the new id first, as on PostgreSQL
        made.run(conn, {"booking_id": new_id, **event, "booking": document})
        for statement, rows in told:
            statement.run_many(conn, rows)
        return new_id

    return await db.write_at_once(claim)


def _seats_taken(slot_id: int, seats: int) -> Update:
    """Take `seats` seats if that many are left, all or none: the seat invariant itself
    (no row updated = too few left)."""
    return (
        update(slots)
        .where(slots.c.id == slot_id, slots.c.taken + seats <= slots.c.capacity)
        .values(taken=slots.c.taken + seats)
        .returning(slots.c.id)
    )


async def take_seats(uow: UnitOfWork, slot_id: int, seats: int) -> bool:
    """Take `seats` seats of the slot; False (none taken) when fewer are left."""
    return (await uow.conn.execute(_seats_taken(slot_id, seats))).first() is not None


async def release_seats(uow: UnitOfWork, slot_id: int, seats: int) -> None:
    """Give `seats` seats of the slot back."""
    released = update(slots).where(slots.c.id == slot_id).values(taken=slots.c.taken - seats)
    await uow.conn.execute(released)


async def insert_booking_taking_seats(
    uow: UnitOfWork, slot_id: int, values: Mapping[str, Any]
) -> int | None:
    """One statement: take the booking's seats of the slot if that many are left and
    write the booking only then; its id, or None when too few are left."""
    seat = _seats_taken(slot_id, values["seats"]).cte("seat")
    source_row = select(*(literal(v, bookings.c[k].type) for k, v in values.items())).select_from(
        seat
    )
    result = await uow.conn.execute(
        insert(bookings).from_select(list(values), source_row).returning(bookings.c.id)
    )
    new_id: int | None = result.scalar_one_or_none()
    return new_id


class SeatClaim(Enum):
    """What `book_seats_at_once` did."""

    MADE = "made"  # seats taken, booking and event written, notices sent
    FULL = "full"  # too few seats left: nothing written
    #: nothing written, for a reason a unit of work settles: the event keeps booking
    #: limits (`transitions.create` takes them), or a deadlock aborted the statement
    UNSETTLED = "unsettled"


NOTICE = ("channel", "payload")
LIMIT_COLUMNS = (
    calendars.c.max_per_day,
    calendars.c.max_per_week,
    calendars.c.max_per_booker_per_day,
    calendars.c.max_per_booker_per_week,
)


def _params(prefix: str, table: Table, columns: Sequence[str]) -> list[BindParameter[Any]]:
    return [bindparam(f"{prefix}{c}", type_=table.c[c].type) for c in columns]


@cache
def _seats_at_once(
    booking_columns: tuple[str, ...], event_columns: tuple[str, ...], notices: int
) -> DriverStatement:
    """`book_seats_at_once`'s statement for rows of these columns and this many notices
    (built once)."""
    unlimited = (
        select(calendars.c.id)
        .where(calendars.c.id == bindparam("p_calendar_id"), *(c.is_(None) for c in LIMIT_COLUMNS))
        .with_for_update(read=True, key_share=True)
        .cte("unlimited")
    )
    seats = bindparam("p_seats", type_=Integer)
    seat = (
        update(slots)
        .where(
            slots.c.id == bindparam("p_slot_id"),
            slots.c.taken + seats <= slots.c.capacity,
            select(unlimited.c.id).exists(),
        )
        .values(taken=slots.c.taken + seats)
        .returning(slots.c.id)
        .cte("seat")
    )
    booking = (
        insert(bookings)
        .from_select(
            booking_columns,
            select(*_params("b_", bookings, booking_columns)).select_from(seat),
        )
        .returning(bookings.c.id)
        .cte("booking")
    )
    event = insert(outbox_events).from_select(
        event_columns,
        select(*_params("e_", outbox_events, event_columns)).select_from(booking),
    )
    told = [
        select(func.pg_notify(*(bindparam(f"n_{i}_{part}", type_=String) for part in NOTICE)))
        .select_from(booking)
        .scalar_subquery()
        for i in range(notices)
    ]
    return DriverStatement.of(
        select(
            select(unlimited.c.id).exists().label("unlimited"),
            select(booking.c.id).scalar_subquery().label("booking_id"),
            *told,
        ).add_cte(event.cte("event"))
    )


async def book_seats_at_once(
    driver: asyncpg.Connection,
    slot_id: int,
    booking: Mapping[str, Any],
    event: Mapping[str, Any],
    notices: Sequence[tuple[str, str]],
) -> SeatClaim:
    """One statement that commits by itself (PostgreSQL, `Database.autocommit`), so that
    the slot's row is locked only while it runs: if the slot's event keeps no
    booking limits (its row read `FOR KEY SHARE` as `booking_counts.lock_limits` reads
    it, so no settings change starts keeping one meanwhile) and `booking["seats"]` seats
    are left, take them, write the booking (`booking`: every column, its id too) and its
    outbox `event` (every column), and send `notices` (channel, payload); all or
    nothing."""
    statement = _seats_at_once(tuple(booking), tuple(event), len(notices))
    params = {"p_calendar_id": booking["calendar_id"], "p_slot_id": slot_id}
    params["p_seats"] = booking["seats"]
    params |= {f"b_{k}": v for k, v in booking.items()} | {f"e_{k}": v for k, v in event.items()}
    for i, notice in enumerate(notices):
        params |= {f"n_{i}_{part}": value for part, value in zip(NOTICE, notice, strict=True)}
    try:
        row = await statement.fetchrow(driver, params)
    except asyncpg.DeadlockDetectedError:
        return SeatClaim.UNSETTLED
    assert row is not None  # the statement's own SELECT always answers one row
    unlimited, booking_id = row[0], row[1]
    if not unlimited:
        return SeatClaim.UNSETTLED
    return SeatClaim.FULL if booking_id is None else SeatClaim.MADE


async def lock_slots(uow: UnitOfWork, slot_ids: Iterable[int]) -> None:
    """Lock the slots' rows in id order, so two opposite moves cannot deadlock
    (PostgreSQL; SQLite's write transaction already excludes other writers)."""
    ids = sorted(set(slot_ids))
    await uow.conn.execute(
        select(slots.c.id).where(slots.c.id.in_(ids)).order_by(slots.c.id).with_for_update()
    )


async def confirm_hold(
    uow: UnitOfWork, booking_id: int, *, to: BookingStatus, token_hash: str | None = None
) -> Booking | None:
    """Make the booking `to` (confirmed, or pending approval) if it is a hold still live
    at `now`; None otherwise (so a confirm and the hold's expiry can never both win).
    `token_hash`: replaces its manage token's hash."""
    changes: dict[str, Any] = {"status": to, "updated_at": uow.now}
    if token_hash is not None:
        changes["token_hash"] = token_hash
    row = (
        await uow.conn.execute(
            update(bookings)
            .where(
                bookings.c.id == booking_id,
                bookings.c.status == BookingStatus.HELD,
                live_hold(uow.now),
            )
            .values(changes)
            .returning(*BOOKING_COLUMNS)
        )
    ).first()
    return booking_from(row) if row else None


async def decide_pending(uow: UnitOfWork, booking_id: int, status: BookingStatus) -> Booking | None:
    """Approve (`CONFIRMED`) or decline (`DECLINED`) the booking if it is still pending;
    None otherwise (so an approval and a decline can never both win)."""
    row = (
        await uow.conn.execute(
            update(bookings)
            .where(bookings.c.id == booking_id, bookings.c.status == BookingStatus.PENDING)
            .values(status=status, updated_at=uow.now)
            .returning(*BOOKING_COLUMNS)
        )
    ).first()
    return booking_from(row) if row else None


async def decline_overdue(uow: UnitOfWork) -> list[Booking]:
    """Decline every pending booking older than its calendar's approval timeout."""
    overdue = await overdue_pending(uow)
    if not overdue:
        return []
    rows = await uow.conn.execute(
        update(bookings)
        .where(bookings.c.id.in_(overdue), bookings.c.status == BookingStatus.PENDING)
        .values(status=BookingStatus.DECLINED, updated_at=uow.now)
        .returning(*BOOKING_COLUMNS)
    )
    return [booking_from(r) for r in rows]


async def cancel_active(uow: UnitOfWork, booking_id: int) -> Booking | None:
    """Cancel the booking if it still occupies its time or seat at `now`; None otherwise."""
    row = (
        await uow.conn.execute(
            update(bookings)
            .where(bookings.c.id == booking_id, occupying(uow.now))
            .values(status=BookingStatus.CANCELLED, updated_at=uow.now)
            .returning(*BOOKING_COLUMNS)
        )
    ).first()
    return booking_from(row) if row else None


async def set_time(
    uow: UnitOfWork,
    booking_id: int,
    *,
    start_at: datetime,
    end_at: datetime,
    slot_id: int | None = None,
    buffers: Buffers | None = None,
) -> Booking:
    """Move the booking to [start_at, end_at) (and to slot `slot_id`, with `buffers`,
    if given); its sequence grows."""
    values: dict[str, Any] = {
        "start_at": start_at,
        "end_at": end_at,
        "updated_at": uow.now,
        "sequence": bookings.c.sequence + 1,
    }
    if slot_id is not None:
        values["slot_id"] = slot_id
    if buffers is not None:
        values["buffer_before_minutes"] = buffers.before_minutes
        values["buffer_after_minutes"] = buffers.after_minutes
    statement = update(bookings).where(bookings.c.id == booking_id).values(values)
    try:
        result = await uow.conn.execute(statement.returning(*BOOKING_COLUMNS))
    except DBAPIError as exc:
        if _is_overlap_violation(exc):
            raise SlotTaken() from exc
        raise
    return booking_from(result.one())


async def expire_stale_holds(
    uow: UnitOfWork,
    *,
    within: tuple[int, datetime, datetime] | None = None,
) -> list[Booking]:
    """Mark every hold stale at `now` expired (only those on calendar time overlapping
    `within` = (calendar id, start, end), if given); the holds expired."""
    query = update(bookings).where(stale_hold(uow.now))
    if within is not None:
        query = query.where(time_claims_overlapping(*within))
    rows = await uow.conn.execute(
        query.values(status=BookingStatus.EXPIRED, updated_at=uow.now).returning(*BOOKING_COLUMNS)
    )
    return [booking_from(r) for r in rows]


async def insert_slots(uow: UnitOfWork, rows: Sequence[Mapping[str, Any]]) -> list[SeatSlot]:
    """Write explicit slots with seats; the slots written."""
    written = await uow.conn.execute(insert(slots).returning(*slots.c), list(rows))
    return [SeatSlot(**r._mapping) for r in written]


async def set_token_hash(uow: UnitOfWork, booking_id: int, token_hash: str) -> None:
    """A new manage token for the booking: the old one no longer finds it."""
    await uow.conn.execute(
        update(bookings).where(bookings.c.id == booking_id).values(token_hash=token_hash)
    )
