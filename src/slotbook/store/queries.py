"""SQL fragments shared by the services."""

from datetime import datetime

from sqlalchemy import ColumnElement, Update, and_, or_, update

from slotbook.store.tables import bookings, slots


def occupying(now: datetime) -> ColumnElement[bool]:
    """A booking that still occupies its time or seat at `now` (a hold until it expires)."""
    return or_(
        bookings.c.status == "confirmed",
        and_(bookings.c.status == "held", bookings.c.hold_expires_at > now),
    )


def seat_taken(slot_id: int) -> Update:
    """Take one seat if one is left: the seat invariant itself (no row updated = full)."""
    return (
        update(slots)
        .where(slots.c.id == slot_id, slots.c.taken < slots.c.capacity)
        .values(taken=slots.c.taken + 1)
        .returning(slots.c.id)
    )


def seat_released(slot_id: int) -> Update:
    """Give one seat of the slot back."""
    return update(slots).where(slots.c.id == slot_id).values(taken=slots.c.taken - 1)
