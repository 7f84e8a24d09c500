"""Seats on an event's explicit slots: claim one, or move a booking to another slot.

The capacity invariant is one conditional UPDATE (`store.queries.seat_taken`), atomic on
both databases: no row updated means the slot is full. Seat bookings are confirmed at
once, so a slot's `taken` counts exactly its active bookings.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, literal, select, update

from slotbook.booking.claims import (
    BOOKING_COLUMNS,
    Booking,
    NewBooking,
    booking_values,
    insert_booking,
)
from slotbook.booking.tokens import new_token
from slotbook.calendars.calendars import Calendar, get_calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import InPast, InvalidInput, SlotFull, SlotNotFound
from slotbook.store.queries import seat_released, seat_taken
from slotbook.store.tables import bookings, slots


@dataclass(frozen=True, slots=True)
class SeatSlot:
    """An explicit slot with `capacity` seats, `taken` of them by active bookings."""

    id: int
    calendar_id: int
    start_at: datetime
    end_at: datetime
    capacity: int
    taken: int

    @property
    def available(self) -> int:
        return self.capacity - self.taken


def _slot(row: object) -> SeatSlot:
    return SeatSlot(**row._mapping)  # type: ignore[attr-defined]


async def get_slot(uow: UnitOfWork, slot_id: int) -> SeatSlot:
    row = (await uow.conn.execute(select(slots).where(slots.c.id == slot_id))).first()
    if row is None:
        raise SlotNotFound()
    return _slot(row)


def _check_open(slot: SeatSlot, now: datetime) -> None:
    if slot.start_at <= now:
        raise InPast("This time slot has already started")


async def _take_seat(uow: UnitOfWork, slot: SeatSlot) -> None:
    """Take a seat of `slot` (which has not started); SlotFull when none is left."""
    _check_open(slot, uow.now)
    if (await uow.conn.execute(seat_taken(slot.id))).first() is None:
        raise SlotFull()


async def claim_seat(
    uow: UnitOfWork, *, slot_id: int, name: str, email: str | None, source: str
) -> tuple[NewBooking, Calendar]:
    """Book one seat of the slot; SlotNotFound, InPast (started) or SlotFull otherwise.

    The seat is taken as late as possible, so a hot slot's row stays locked briefly: on
    PostgreSQL seat and booking are one statement (in autocommit, see
    `idempotency.idempotent(single_write=True)`, the lock lasts that statement only);
    on SQLite the seat is the transaction's last statement.
    """
    slot = await get_slot(uow, slot_id)
    _check_open(slot, uow.now)
    calendar = await get_calendar(uow, slot.calendar_id)
    fields = {
        "calendar_id": slot.calendar_id,
        "slot_id": slot.id,
        "start_at": slot.start_at,
        "end_at": slot.end_at,
        "source": source,
        "name": name,
        "email": email,
    }
    if uow.conn.dialect.name == "postgresql":
        made = await _book_with_seat(uow, slot, booking_values(uow, **fields))
    else:
        made = await insert_booking(uow, **fields)
        await _take_seat(uow, slot)
    uow.touch(calendar.id, calendar.local_day(slot.start_at))
    return made, calendar


async def _book_with_seat(uow: UnitOfWork, slot: SeatSlot, values: dict[str, Any]) -> NewBooking:
    """One statement: take a seat if one is left and write the booking only then."""
    token, token_hash = new_token()
    row = values | {"token_hash": token_hash}
    seat = seat_taken(slot.id).cte("seat")
    source_row = select(*(literal(v, bookings.c[k].type) for k, v in row.items())).select_from(seat)
    new_id = (
        await uow.conn.execute(
            insert(bookings).from_select(list(row), source_row).returning(bookings.c.id)
        )
    ).scalar_one_or_none()
    if new_id is None:
        raise SlotFull()
    return NewBooking(Booking(id=new_id, **values), token)


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
    # Lock both slots in id order, so two opposite moves cannot deadlock (PostgreSQL).
    both = sorted((booking.slot_id, slot_id))
    await uow.conn.execute(
        select(slots.c.id).where(slots.c.id.in_(both)).order_by(slots.c.id).with_for_update()
    )
    await _take_seat(uow, target)
    await uow.conn.execute(seat_released(booking.slot_id))
    moved = (
        await uow.conn.execute(
            update(bookings)
            .where(bookings.c.id == booking.id)
            .values(
                slot_id=target.id,
                start_at=target.start_at,
                end_at=target.end_at,
                updated_at=uow.now,
            )
            .returning(*BOOKING_COLUMNS)
        )
    ).one()
    uow.touch(calendar.id, calendar.local_day(booking.start_at))
    uow.touch(calendar.id, calendar.local_day(target.start_at))
    return Booking(**moved._mapping)
