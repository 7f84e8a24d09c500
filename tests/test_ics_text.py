"""iCalendar text: content lines are written and folded exactly as `icalendar` writes
them, whatever their length and characters (calendar clients unfold them by its rules)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar as ICalendar
from icalendar.parser import Contentline, Contentlines

from slotbook.booking.model import Booking, BookingStatus
from slotbook.calendars.ics import FOLD_AT, folded, render
from slotbook.calendars.model import Calendar, CalendarKind


def as_icalendar_writes(lines: list[str]) -> bytes:
    return bytes(Contentlines(Contentline(line) for line in lines).to_ical())  # type: ignore[no-untyped-call]


#: lines about as long as the fold, with characters of one to four octets and the
#: escapes `icalendar` keeps on one side of a fold
EDGES = [
    "X" * n + tail
    for n in range(FOLD_AT - 6, FOLD_AT + 2)
    for tail in ("", "é", "€", "😀", "\\,", "^n", "ab")
]


def test_lines_near_the_fold_are_written_as_icalendar_writes_them():
    assert folded(EDGES) == as_icalendar_writes(EDGES)


@given(st.lists(st.text(alphabet=st.characters(exclude_characters="\r\n"), max_size=200)))
def test_any_lines_are_written_as_icalendar_writes_them(lines):
    assert folded(lines) == as_icalendar_writes(lines)


def test_an_event_names_its_zone_and_reads_back():
    start = datetime(2031, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 in Paris, the DST night
    paris = Calendar(
        id=7,
        kind=CalendarKind.OWNER,
        name="Dr Ève Lefèvre — consultations du mardi et du jeudi, cabinet du 3ᵉ",
        timezone="Europe/Paris",
        slot_minutes=30,
        owner_key="eve",
        email="eve@example.com",
        user_id=None,
        description=None,
        event_date=None,
        enforce_hours=True,
        min_notice_minutes=0,
        horizon_days=365,
        change_cutoff_minutes=0,
        created_at=start - timedelta(days=30),
    )
    booking = Booking(
        id=1,
        calendar_id=7,
        slot_id=None,
        start_at=start,
        end_at=start + timedelta(minutes=30),
        status=BookingStatus.CONFIRMED,
        hold_expires_at=None,
        name="Zoë",
        email="zoe@example.com",
        user_id=None,
        source="owners",
        created_at=start - timedelta(days=2),
        updated_at=start - timedelta(days=1),
    )
    text = render(paris, [(booking, "Consultation avec Zoë 😀 " * 4)])
    assert b"DTSTART;TZID=Europe/Paris:20310330T033000\r\n" in text
    assert b"DTSTAMP:20310329T013000Z\r\n" in text
    assert all(len(line) <= FOLD_AT + 1 for line in text.split(b"\r\n"))  # + the fold's space
    event = ICalendar.from_ical(text).events[0]
    assert event.start == start.astimezone(ZoneInfo("Europe/Paris"))
    assert str(event["SUMMARY"]) == "Consultation avec Zoë 😀 " * 4
