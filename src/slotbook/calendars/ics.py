"""Bookings as iCalendar (RFC 5545), made with the `icalendar` package.

Each booking is one VEVENT: a `UID` that never changes (the booking's id and creation
instant), `DTSTART`/`DTEND` in the calendar's zone (`TZID`, with a matching
`VTIMEZONE` covering the events' dates, so DST days come out right in any client), and
a `SEQUENCE` that grows each time the booking moves.
"""

from collections.abc import Sequence
from datetime import timedelta

from icalendar import Calendar as ICalendar
from icalendar import Event
from icalendar.enums import STATUS

from slotbook import __version__
from slotbook.booking.model import Booking, BookingStatus
from slotbook.calendars.calendars import Calendar

PRODID = f"-//slotbook//slotbook {__version__}//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def event_uid(booking: Booking) -> str:
    """The booking's UID: the same in every feed, file and invite, whatever changes."""
    return f"booking-{booking.id}-{booking.created_at:%Y%m%dT%H%M%S%f}@slotbook"


def _event(booking: Booking, calendar: Calendar, summary: str) -> Event:
    zone = calendar.zone
    return Event.new(
        uid=event_uid(booking),
        sequence=booking.sequence,
        start=booking.start_at.astimezone(zone),
        end=booking.end_at.astimezone(zone),
        summary=summary,
        stamp=booking.updated_at,
        created=booking.created_at,
        last_modified=booking.updated_at,
        status=STATUS.TENTATIVE if booking.status == BookingStatus.HELD else STATUS.CONFIRMED,
    )


def render(
    calendar: Calendar,
    events: Sequence[tuple[Booking, str]],
    *,
    method: str | None = None,
) -> bytes:
    """A VCALENDAR of `events` ((booking, summary) pairs) on `calendar`."""
    ical = ICalendar.new(
        prodid=PRODID,
        method=method,
        name=calendar.name or f"Calendar {calendar.id}",
        uid=f"calendar-{calendar.id}@slotbook",
    )
    for booking, summary in events:
        ical.add_component(_event(booking, calendar, summary))
    if events:
        days = [calendar.local_day(b.start_at) for b, _ in events]
        ical.add_missing_timezones(
            first_date=min(days) - timedelta(days=1), last_date=max(days) + timedelta(days=2)
        )
    text: bytes = ical.to_ical()
    return text


def feed_summary(booking: Booking) -> str:
    """What the calendar's owner sees for a booking in their feed: who booked."""
    who = booking.name or booking.email or "Booked"
    return f"{who} (held)" if booking.status == BookingStatus.HELD else who


def booker_summary(calendar: Calendar) -> str:
    """What the booker sees in their own calendar: what they booked."""
    return f"Booking: {calendar.name}" if calendar.name else "Booking"
