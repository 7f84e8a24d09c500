"""Waitlist entries: write one, find one by its token's hash, the line for a place, and
the locks a join takes so that a place cannot free unseen while someone joins its line.

A place is an explicit slot (`slot_id`) or a start time on calendar time (`slot_id`
null, `start_at`); its line is its `waiting` entries in `id` order.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Exists,
    Select,
    and_,
    func,
    insert,
    select,
    update,
)

from slotbook.booking.model import SeatSlot
from slotbook.engine import UnitOfWork
from slotbook.store.bookings.predicates import occupying, time_claims_overlapping
from slotbook.store.tables import bookings, slots, waitlist_entries

ENTRY_COLUMNS = [c for c in waitlist_entries.c if c.name != "token_hash"]


class EntryStatus(StrEnum):
    """A waitlist entry's status, as stored (`lapsed` is also what an `offered` entry
    whose offer has run out shows before the sweeper records it)."""

    WAITING = "waiting"
    OFFERED = "offered"  # a freed place is held for them until `offer_expires_at`
    BOOKED = "booked"  # they accepted: the hold is their booking
    LAPSED = "lapsed"  # the offer ran out (or its hold was cancelled) before they accepted
    LEFT = "left"


@dataclass(frozen=True, slots=True)
class WaitlistEntry:
    id: int
    calendar_id: int
    slot_id: int | None
    start_at: datetime
    name: str
    email: str
    seats: int
    status: str
    booking_id: int | None
    offer_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def live_status(self, now: datetime) -> str:
        """Its status as a client sees it: an offer past its expiry has lapsed, swept or not."""
        expires = self.offer_expires_at
        if self.status == EntryStatus.OFFERED and expires is not None and expires <= now:
            return EntryStatus.LAPSED
        return self.status


def _entry(row: Any) -> WaitlistEntry:
    return WaitlistEntry(**row._mapping)


def _same_place(slot_id: int | None, calendar_id: Any, start_at: Any) -> ColumnElement[bool]:
    w = waitlist_entries.c
    if slot_id is not None:
        return w.slot_id == slot_id
    return and_(w.calendar_id == calendar_id, w.slot_id.is_(None), w.start_at == start_at)


def _waiting() -> Select[Any]:
    return (
        select(*ENTRY_COLUMNS)
        .where(waitlist_entries.c.status == EntryStatus.WAITING)
        .order_by(waitlist_entries.c.id)
    )


async def insert_entry(uow: UnitOfWork, values: Mapping[str, Any]) -> WaitlistEntry:
    written = await uow.conn.execute(
        insert(waitlist_entries).returning(*ENTRY_COLUMNS), dict(values)
    )
    return _entry(written.one())


async def entry_with_token_hash(
    uow: UnitOfWork, token_hash: str, *, lock: bool = False
) -> WaitlistEntry | None:
    """The entry whose token hashes to `token_hash` (`lock`: its row locked until the
    transaction ends, on PostgreSQL)."""
    query = select(*ENTRY_COLUMNS).where(waitlist_entries.c.token_hash == token_hash)
    row = (await uow.conn.execute(query.with_for_update() if lock else query)).first()
    return _entry(row) if row else None


async def position(uow: UnitOfWork, entry: WaitlistEntry) -> int:
    """Its place in its line: 1 + the waiting entries ahead of it."""
    ahead = select(func.count()).where(
        _same_place(entry.slot_id, entry.calendar_id, entry.start_at),
        waitlist_entries.c.status == EntryStatus.WAITING,
        waitlist_entries.c.id < entry.id,
    )
    return 1 + int((await uow.conn.execute(ahead)).scalar_one())


async def in_line(
    uow: UnitOfWork, slot_id: int | None, calendar_id: int, start_at: datetime, email: str
) -> bool:
    """Whether `email` is already waiting for (or offered) this place."""
    query = select(waitlist_entries.c.id).where(
        _same_place(slot_id, calendar_id, start_at),
        waitlist_entries.c.status.in_((EntryStatus.WAITING, EntryStatus.OFFERED)),
        func.lower(waitlist_entries.c.email) == email.lower(),
    )
    return (await uow.conn.execute(query.limit(1))).first() is not None


async def someone_waits(
    uow: UnitOfWork, slot_id: int | None, calendar_id: int, start_at: datetime
) -> bool:
    """Whether anyone is waiting for this place."""
    place = _same_place(slot_id, calendar_id, start_at)
    return bool(await uow.conn.scalar(select(_anyone_waiting(place))))


def anyone_waiting_for_slot(slot_id: int | BindParameter[int]) -> Exists:
    """Whether anyone is waiting for this explicit slot, as an expression."""
    return _anyone_waiting(waitlist_entries.c.slot_id == slot_id)


def anyone_waiting_for_time(calendar_id: Any, start_at: Any) -> Exists:
    """Whether anyone is waiting for the calendar's time from `start_at`, as an
    expression (`calendar_id` and `start_at`: values, or parameters of the statement)."""
    return _anyone_waiting(_same_place(None, calendar_id, start_at))


def _anyone_waiting(place: ColumnElement[bool]) -> Exists:
    query = select(waitlist_entries.c.id)
    return query.where(place, waitlist_entries.c.status == EntryStatus.WAITING).exists()


async def waiting_for_slot(uow: UnitOfWork, slot_id: int, *, most: int) -> list[WaitlistEntry]:
    """The first `most` waiting for the slot, in line order, their rows locked (so that a
    concurrent leave waits for the offer, or the offer skips the one who left)."""
    query = _waiting().where(waitlist_entries.c.slot_id == slot_id).limit(most).with_for_update()
    return [_entry(r) for r in await uow.conn.execute(query)]


async def waiting_for_times(
    uow: UnitOfWork, calendar_id: int, after: datetime, before: datetime
) -> list[WaitlistEntry]:
    """Everyone waiting for a start time in (after, before) on the calendar's time, in
    line order, their rows locked."""
    w = waitlist_entries.c
    query = _waiting().where(
        w.calendar_id == calendar_id, w.slot_id.is_(None), w.start_at > after, w.start_at < before
    )
    return [_entry(r) for r in await uow.conn.execute(query.with_for_update())]


async def set_offered(
    uow: UnitOfWork, entry_id: int, booking_id: int, expires_at: datetime
) -> None:
    await uow.conn.execute(
        update(waitlist_entries)
        .where(waitlist_entries.c.id == entry_id)
        .values(
            status=EntryStatus.OFFERED,
            booking_id=booking_id,
            offer_expires_at=expires_at,
            updated_at=uow.now,
        )
    )


async def set_status(uow: UnitOfWork, entry_id: int, status: EntryStatus) -> None:
    await uow.conn.execute(
        update(waitlist_entries)
        .where(waitlist_entries.c.id == entry_id)
        .values(status=status, updated_at=uow.now)
    )


async def lapse_offer_of(uow: UnitOfWork, booking_id: int) -> bool:
    """Record the offer whose hold is `booking_id` as lapsed, if it is still open;
    whether there was one."""
    lapsed = await uow.conn.execute(
        update(waitlist_entries)
        .where(
            waitlist_entries.c.booking_id == booking_id,
            waitlist_entries.c.status == EntryStatus.OFFERED,
        )
        .values(status=EntryStatus.LAPSED, updated_at=uow.now)
        .returning(waitlist_entries.c.id)
    )
    return lapsed.first() is not None


async def lock_seat_slot(uow: UnitOfWork, slot_id: int) -> SeatSlot | None:
    """The slot, its row locked until the transaction ends (PostgreSQL): a seat freed
    by a concurrent cancel is then either seen free here or offered to this line."""
    row = (
        await uow.conn.execute(select(slots).where(slots.c.id == slot_id).with_for_update())
    ).first()
    return SeatSlot(**row._mapping) if row else None


async def lock_time_claims(
    uow: UnitOfWork, calendar_id: int, start: datetime, end: datetime
) -> None:
    """Lock the rows of the active claims meeting [start, end) (PostgreSQL), for the
    same reason as `lock_seat_slot`."""
    query = select(bookings.c.id).where(
        time_claims_overlapping(calendar_id, start, end), occupying(uow.now)
    )
    await uow.conn.execute(query.order_by(bookings.c.id).with_for_update())


async def lines_of(uow: UnitOfWork, calendar_id: int, *, limit: int) -> list[WaitlistEntry]:
    """The calendar's waitlist entries still in line (waiting, or holding an offer), by
    place (time, then slot), first come first."""
    w = waitlist_entries.c
    query = (
        select(*ENTRY_COLUMNS)
        .where(
            w.calendar_id == calendar_id,
            w.status.in_((EntryStatus.WAITING, EntryStatus.OFFERED)),
        )
        .order_by(w.start_at, w.slot_id, w.id)
        .limit(limit)
    )
    return [_entry(row) for row in await uow.conn.execute(query)]
