"""The invariant's predicates, each defined once: which bookings occupy time, which holds
are stale, and which claims a window of time can overlap."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Column, ColumnElement, and_, func, or_

from slotbook.booking.model import BookingStatus
from slotbook.store.tables import bookings

#: No calendar-time claim is longer than this, so a window query can bound its scan.
LONGEST_CLAIM = timedelta(days=1)
#: an instant: a value, or a parameter (`bindparam`) of a statement built once
Instant = datetime | BindParameter[Any]


def occupying(now: Instant) -> ColumnElement[bool]:
    """A booking that still occupies its time or seat at `now`: confirmed, pending, or a hold
    whose grace period has not ended (`Booking.is_active` is its Python twin)."""
    return or_(
        bookings.c.status.in_((BookingStatus.CONFIRMED, BookingStatus.PENDING)),
        and_(bookings.c.status == BookingStatus.HELD, live_hold(now)),
    )


def live_hold(now: Instant) -> ColumnElement[bool]:
    """A hold (status aside) whose grace period has not ended at `now`."""
    return bookings.c.hold_expires_at > now


def stale_hold(now: datetime) -> ColumnElement[bool]:
    """A hold whose grace period has ended by `now`: it no longer blocks anything."""
    return and_(bookings.c.status == BookingStatus.HELD, ~live_hold(now))


def time_claims_overlapping(
    calendar_id: Any, start: Any, end: Any, *, started_after: Any = None
) -> ColumnElement[bool]:
    """Calendar-time claims (not seats) on the calendar whose time meets [start, end).
    The `LONGEST_CLAIM` bound lets the (calendar_id, start_at) index bound the scan:
    `started_after` is that bound (`start` - `LONGEST_CLAIM`), given as a parameter of its
    own where `start` is one (`bindparam`) rather than a value."""
    return and_(
        bookings.c.calendar_id == calendar_id,
        bookings.c.slot_id.is_(None),
        bookings.c.start_at < end,
        bookings.c.start_at > (start - LONGEST_CLAIM if started_after is None else started_after),
        bookings.c.end_at > start,
    )


def claimed_range_meets(start: Any, end: Any) -> ColumnElement[bool]:
    """PostgreSQL: the booking's claimed range (its time with the buffers it was made
    with, as the `bookings_no_overlap` constraint sees it) meets [start, end) (values or
    parameters)."""
    claimed = func.booking_claimed_range(
        bookings.c.start_at,
        bookings.c.end_at,
        bookings.c.buffer_before_minutes,
        bookings.c.buffer_after_minutes,
    )
    return claimed.op("&&")(func.tstzrange(start, end, "[)"))


def contains_text(columns: Iterable[Column[Any]], text: str) -> ColumnElement[bool]:
    """Any of `columns` contains `text`, in any case (`%` and `_` in it are literal)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(func.lower(c).like(f"%{escaped}%", escape="\\") for c in columns))
