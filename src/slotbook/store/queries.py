"""SQL fragments shared by the services."""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from slotbook.store.tables import bookings


def occupying(now: datetime) -> ColumnElement[bool]:
    """A booking that still occupies its time or seat at `now` (a hold until it expires)."""
    return or_(
        bookings.c.status == "confirmed",
        and_(bookings.c.status == "held", bookings.c.hold_expires_at > now),
    )
