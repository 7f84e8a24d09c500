"""Bookings as iCalendar (RFC 5545), in the text the `icalendar` package writes.

Each booking is one VEVENT: a `UID` that never changes (the booking's id and creation
instant), `DTSTART`/`DTEND` in the calendar's zone (`TZID`, with a matching
`VTIMEZONE` covering the events' dates, so DST days come out right in any client), and
a `SEQUENCE` that grows each time the booking moves. An invite (`METHOD:REQUEST` or
`CANCEL`) also names its `ORGANIZER` and `ATTENDEE`.

A `VTIMEZONE` is the same text for every file of one zone and span of dates: it is made
once per zone and span (`_timezone`), not for each invite, where it was a third of the CPU
an invite cost. The calendar's own lines are likewise made once per calendar and method
(`_frame`). A VEVENT's lines are written here with `icalendar`'s own escaping, parameter
quoting and folding, byte for byte what its `Event` writes: its component machinery
(parsing back each line it builds) cost most of what was left of an invite, on every
letter that carries one.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

from icalendar import Calendar as ICalendar
from icalendar import Timezone, vText
from icalendar.parser import Contentline, Parameters
from icalendar.timezone.tzid import tzid_from_dt, tzid_from_tzinfo

from slotbook import __version__
from slotbook.booking.model import Booking, BookingStatus
from slotbook.calendars.calendars import Calendar

PRODID = f"-//slotbook//slotbook {__version__}//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
END = b"END:VCALENDAR\r\n"


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


def _status(booking: Booking) -> str:
    if booking.status in ENDED:
        return "CANCELLED"
    return "TENTATIVE" if booking.status == BookingStatus.HELD else "CONFIRMED"


@lru_cache(maxsize=256)
def _tzid_of(zone: tzinfo) -> str | None:
    """`icalendar`'s id for a zone (`tzid_from_tzinfo`: a search among equivalent ids)."""
    return tzid_from_tzinfo(zone)


def _instant(name: str, at: datetime) -> str:
    """A DATE-TIME property: `Z` in UTC, else with the `TZID` of its zone (named as
    `icalendar`'s `tzid_from_dt` names it)."""
    assert at.tzinfo is not None
    tzid = _tzid_of(at.tzinfo) or at.tzname()
    text = f"{at.year:04}{at.month:02}{at.day:02}T{at.hour:02}{at.minute:02}{at.second:02}"
    if tzid == "UTC":
        return f"{name}:{text}Z"
    return f"{name};{Parameters(TZID=tzid).to_ical().decode()}:{text}"


def _text(value: str) -> str:
    """A TEXT value, escaped."""
    return vText(value).to_ical().decode()


def _event(booking: Booking, calendar: Calendar, summary: str, people: People | None) -> bytes:
    """One VEVENT, its properties in `icalendar`'s order (its canonical ones first, then
    the rest alphabetically)."""
    zone = calendar.zone
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(summary)}",
        _instant("DTSTART", booking.start_at.astimezone(zone)),
        _instant("DTEND", booking.end_at.astimezone(zone)),
        _instant("DTSTAMP", booking.updated_at),
        f"UID:{_text(event_uid(booking))}",
        f"SEQUENCE:{booking.sequence}",
    ]
    if people is not None:
        named = Parameters(CN=people.attendee_name) if people.attendee_name else None
        params = f";{named.to_ical().decode()}" if named else ""
        lines.append(f"ATTENDEE{params}:mailto:{people.attendee}")
    lines += [
        _instant("CREATED", booking.created_at),
        _instant("LAST-MODIFIED", booking.updated_at),
    ]
    if people is not None:
        lines.append(f"ORGANIZER:mailto:{people.organizer}")
    lines += [f"STATUS:{_status(booking)}", "END:VEVENT"]
    return folded(lines)


#: a content line of this many octets or more is folded (`icalendar`'s limit)
FOLD_AT = 75


def folded(lines: Sequence[str]) -> bytes:
    """Content lines as `icalendar` writes them (`Contentlines.to_ical`): each followed by
    CRLF, folded by its own folding if it reaches `FOLD_AT` octets. Most are shorter and
    are written as they are: its folding walks every character of every line."""
    written = []
    for line in lines:
        raw = line.encode()
        if len(raw) >= FOLD_AT:
            raw = Contentline(line).to_ical()  # type: ignore[no-untyped-call]
        if raw:
            written.append(raw)
    return b"\r\n".join(written) + b"\r\n"


@lru_cache(maxsize=1024)
def _frame(name: str, calendar_id: int, method: str | None) -> bytes:
    """The VCALENDAR's own lines, up to its first component."""
    ical = ICalendar.new(
        prodid=PRODID, method=method, name=name, uid=f"calendar-{calendar_id}@slotbook"
    )
    text: bytes = ical.to_ical()
    return text[: -len(END)]


def render(
    calendar: Calendar,
    events: Sequence[tuple[Booking, str]],
    *,
    method: str | None = None,
    people: People | None = None,
) -> bytes:
    """A VCALENDAR of `events` ((booking, summary) pairs) on `calendar` (an invite from and
    to `people`)."""
    frame = _frame(calendar.name or f"Calendar {calendar.id}", calendar.id, method)
    if not events:
        return frame + END
    body = b"".join(_event(booking, calendar, summary, people) for booking, summary in events)
    days = [calendar.local_day(b.start_at) for b, _ in events]
    first, last = min(days) - timedelta(days=1), max(days) + timedelta(days=2)
    tzid = tzid_from_dt(events[0][0].start_at.astimezone(calendar.zone))
    zone = b"" if tzid == "UTC" else _timezone(tzid, first, last)
    return frame + zone + body + END


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
