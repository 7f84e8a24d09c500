"""Bookings as iCalendar (RFC 5545), made with the `icalendar` package.

Each booking is one VEVENT: a `UID` that never changes (the booking's id and creation
instant), `DTSTART`/`DTEND` in the calendar's zone (`TZID`, with a matching
`VTIMEZONE` covering the events' dates, so DST days come out right in any client), and
a `SEQUENCE` that grows each time the booking moves. An invite (`METHOD:REQUEST` or
`CANCEL`) also names its `ORGANIZER` and `ATTENDEE`.

A `VTIMEZONE` is the same text for every file of one zone and span of dates: it is made
once per zone and span (`_timezone`), not for each invite, where it was a third of the CPU
an invite cost.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from icalendar import Calendar as ICalendar
from icalendar import Event, Timezone, vCalAddress
from icalendar.enums import STATUS

from slotbook import __version__
from slotbook.booking.model import Booking, BookingStatus
from slotbook.calendars.calendars import Calendar

PRODID = f"-//slotbook//slotbook {__version__}//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def event_uid(booking: Booking) -> str:
    """The booking's UID: the same in every feed, file and invite, whatever changes."""
    return f"booking-{booking.id}-{booking.created_at:%Y%m%dT%H%M%S%f}@slotbook"


#: statuses whose event is cancelled in any calendar that has it
ENDED = (BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.DECLINED)


@dataclass(frozen=True, slots=True)
class People:
    """Who an invite is from and to (email addresses)."""

    organizer: str
    attendee: str
    attendee_name: str | None = None


def _status(booking: Booking) -> STATUS:
    if booking.status in ENDED:
        return STATUS.CANCELLED
    return STATUS.TENTATIVE if booking.status == BookingStatus.HELD else STATUS.CONFIRMED


def _event(booking: Booking, calendar: Calendar, summary: str, people: People | None) -> Event:
    zone = calendar.zone
    attendee = organizer = None
    if people is not None:
        organizer = vCalAddress(f"mailto:{people.organizer}")
        attendee = vCalAddress(f"mailto:{people.attendee}")
        if people.attendee_name:
            attendee.params["CN"] = people.attendee_name
    return Event.new(
        uid=event_uid(booking),
        sequence=booking.sequence,
        start=booking.start_at.astimezone(zone),
        end=booking.end_at.astimezone(zone),
        summary=summary,
        stamp=booking.updated_at,
        created=booking.created_at,
        last_modified=booking.updated_at,
        status=_status(booking),
        organizer=organizer,
        attendees=[attendee] if attendee else None,
    )


def render(
    calendar: Calendar,
    events: Sequence[tuple[Booking, str]],
    *,
    method: str | None = None,
    people: People | None = None,
) -> bytes:
    """A VCALENDAR of `events` ((booking, summary) pairs) on `calendar` (an invite from and
    to `people`)."""
    ical = ICalendar.new(
        prodid=PRODID,
        method=method,
        name=calendar.name or f"Calendar {calendar.id}",
        uid=f"calendar-{calendar.id}@slotbook",
    )
    for booking, summary in events:
        ical.add_component(_event(booking, calendar, summary, people))
    text: bytes = ical.to_ical()
    if not events:
        return text
    days = [calendar.local_day(b.start_at) for b, _ in events]
    first, last = min(days) - timedelta(days=1), max(days) + timedelta(days=2)
    zones = b"".join(_timezone(tzid, first, last) for tzid in ical.get_missing_tzids())
    # where `add_missing_timezones` puts them: first of the calendar's components
    at = text.find(b"\r\nBEGIN:VEVENT\r\n") + 2
    return text[:at] + zones + text[at:]


@lru_cache(maxsize=1024)
def _timezone(tzid: str, first_date: date, last_date: date) -> bytes:
    """The `VTIMEZONE` of `tzid` covering these dates, as iCalendar text (none for a zone
    `icalendar` does not know)."""
    try:
        zone = Timezone.from_tzid(tzid, first_date=first_date, last_date=last_date)
    except ValueError:
        return b""
    text: bytes = zone.to_ical()
    return text


def feed_summary(booking: Booking) -> str:
    """What the calendar's owner sees for a booking in their feed: who booked."""
    who = booking.name or booking.email or "Booked"
    return f"{who} (held)" if booking.status == BookingStatus.HELD else who


def booker_summary(calendar: Calendar) -> str:
    """What the booker sees in their own calendar: what they booked."""
    return f"Booking: {calendar.name}" if calendar.name else "Booking"
