"""A booking as its token holder sees it: `GET /api/v1/bookings/{token}` (which adds the
token) and the `data.booking` of every outbox event (which never carries it)."""

from datetime import datetime
from typing import Any

from slotbook.booking.model import Booking
from slotbook.calendars.model import Calendar


def booking_document(booking: Booking, calendar: Calendar, now: datetime) -> dict[str, Any]:
    """Surface 003's fields first, then where and when in the calendar's zone."""
    zone = calendar.zone
    start, end = booking.start_at.astimezone(zone), booking.end_at.astimezone(zone)
    return {
        "id": booking.id,
        "attendee_name": booking.name,
        "time_slot_id": booking.slot_id,
        "email": booking.email,
        "created_at": booking.created_at.isoformat(),
        "status": booking.live_status(now),
        "seats": booking.seats,
        "calendar_id": calendar.id,
        "calendar_kind": calendar.kind,
        "timezone": calendar.timezone,
        "date": start.date().isoformat(),
        "start_time": start.time().isoformat("seconds"),
        "end_time": end.time().isoformat("seconds"),
        "start_at": start.isoformat(),
        "end_at": end.isoformat(),
        "hold_expires_at": booking.hold_expires_at.isoformat() if booking.hold_expires_at else None,
        "updated_at": booking.updated_at.isoformat(),
    }
