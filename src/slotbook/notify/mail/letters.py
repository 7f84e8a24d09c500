"""What slotbook writes, and to whom, for each change of a booking: the booker's
confirmation, hold notice, update or cancellation (with a calendar invite), their
reminder, and the owner's notice. English, plain, no tracking.

Each letter is written whole when its event is routed, so it says what was true then,
and a manage link (whose token is only known at that moment) can be in it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from slotbook.booking.model import Booking, BookingStatus
from slotbook.booking.transitions import Transition
from slotbook.calendars import ics
from slotbook.calendars.model import Calendar, CalendarKind
from slotbook.notify.mail.compose import address_of, compose
from slotbook.settings import Settings
from slotbook.store.outbox.mail import REMINDER, Letter
from slotbook.store.outbox.outbox import Event

#: events after which the booker has a firm booking (and a reminder is due)
FIRM = (Transition.CREATED, Transition.CONFIRMED, Transition.APPROVED)
#: events that end a booking, how each is told, and whether the booker's calendar may
#: have it (then an invite with METHOD:CANCEL takes it out; a hold or a request was
#: never sent as an invite)
ENDING = {
    Transition.CANCELLED: ("cancelled", True),
    Transition.DECLINED: ("declined", False),
    Transition.EXPIRED: ("released (its hold expired)", False),
}
#: events the owner hears of, and how each is named
FOR_OWNER = {
    Transition.CREATED: "New booking",
    Transition.CONFIRMED: "New booking",
    Transition.REQUESTED: "New booking request awaiting your approval",
    Transition.MOVED: "Booking moved",
    Transition.CANCELLED: "Booking cancelled",
}


@dataclass(frozen=True, slots=True)
class Writer:
    """Writes the letters of one deployment (sender, link base)."""

    settings: Settings

    @property
    def base(self) -> str:
        return self.settings.links_base

    def manage_link(self, token: str) -> str:
        return f"{self.base}/manage/{token}"

    def letter(
        self,
        *,
        kind: str,
        to: str,
        subject: str,
        paragraphs: list[str],
        now: datetime,
        due_at: datetime | None = None,
        invite: tuple[Calendar, Booking, str] | None = None,
        event: Event | None = None,
    ) -> Letter:
        invite_bytes, method = None, "REQUEST"
        if invite is not None:
            calendar, booking, method = invite
            people = ics.People(
                organizer=address_of(self.settings.mail_from),
                attendee=to,
                attendee_name=booking.name,
            )
            invite_bytes = ics.render(
                calendar, [(booking, ics.booker_summary(calendar))], method=method, people=people
            )
        return Letter(
            kind=kind,
            recipient=to,
            subject=subject,
            message=compose(
                sender=self.settings.mail_from,
                to=to,
                subject=subject,
                paragraphs=paragraphs,
                at=now,
                invite=invite_bytes,
                method=method,
            ),
            due_at=due_at or now,
            booking_id=event.booking_id if event else None,
            event_id=event.id if event else None,
        )


def when(booking: Booking, calendar: Calendar) -> str:
    """`Tuesday 31 March 2031, 09:00-10:00 (Europe/Berlin, UTC+02:00)`."""
    start = booking.start_at.astimezone(calendar.zone)
    end = booking.end_at.astimezone(calendar.zone)
    offset = start.strftime("%z")
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%A %d %B %Y, %H:%M}"
    return f"{start:%A %d %B %Y, %H:%M}-{until} ({calendar.timezone}, UTC{offset[:3]}:{offset[3:]})"


def what(calendar: Calendar) -> str:
    return calendar.name or f"calendar {calendar.id}"


def booking_of(event: Event) -> Booking:
    """The booking as the event recorded it."""
    doc = event.booking

    def instant(name: str) -> datetime | None:
        return datetime.fromisoformat(doc[name]) if doc.get(name) else None

    start, end, created, updated = (
        instant(n) for n in ("start_at", "end_at", "created_at", "updated_at")
    )
    assert start and end and created and updated
    return Booking(
        id=event.booking_id,
        calendar_id=event.calendar_id,
        slot_id=doc.get("time_slot_id"),
        start_at=start,
        end_at=end,
        status=doc["status"],
        hold_expires_at=instant("hold_expires_at"),
        name=doc.get("attendee_name"),
        email=doc.get("email"),
        user_id=None,
        source="",
        created_at=created,
        updated_at=updated,
        seats=doc.get("seats", 1),
        sequence=event.sequence,
    )


def bookings_link(base: str, calendar: Calendar) -> str:
    """Where the calendar's owner sees its bookings."""
    if calendar.kind == CalendarKind.OWNER and calendar.owner_key:
        return f"{base}/api/v1/appointments?calendar_owner_id={quote(calendar.owner_key)}"
    if calendar.kind == CalendarKind.PROVIDER and calendar.user_id is not None:
        return f"{base}/providers/{calendar.user_id}/booked-appointments"
    if calendar.kind == CalendarKind.PROVIDER:
        return f"{base}/api/v1/bookings?provider_id={calendar.id}"
    if calendar.kind == CalendarKind.EVENT:
        return f"{base}/api/v1/events/{calendar.id}/slots"
    return f"{base}/board"


def _booker_text(
    kind: Transition, booking: Booking, calendar: Calendar, link: list[str]
) -> tuple[str, str, list[str], str | None] | None:
    """(kind of letter, subject, paragraphs, invite method) for the booker, if any."""
    name, at = what(calendar), when(booking, calendar)
    if kind in FIRM:
        return (
            "confirmation",
            f"Booking confirmed: {name}, {at}",
            [
                f"Your booking with {name} is confirmed for {at}.",
                *link,
                "The attached invite adds it to your calendar.",
            ],
            "REQUEST",
        )
    if kind == Transition.REQUESTED:
        return (
            "request",
            f"Booking request received: {name}, {at}",
            [
                f"We have your request to book {name} for {at}. It is not confirmed yet: "
                "the owner approves or declines it, and we write again when they do.",
                *link,
            ],
            None,
        )
    if kind == Transition.HELD and booking.hold_expires_at:
        expiry = booking.hold_expires_at.astimezone(calendar.zone)
        return (
            "hold",
            f"Held for you until {expiry:%H:%M}: {name}, {at}",
            [
                f"{name} is held for you for {at}, until {expiry:%H:%M} "
                f"({calendar.timezone}) on {expiry:%d %B %Y}.",
                "Confirm it where you made it before then; otherwise it is released and "
                "we let you know.",
                *link,
            ],
            None,
        )
    if kind == Transition.MOVED and booking.status != BookingStatus.HELD:
        return (
            "update",
            f"Booking moved: {name}, now {at}",
            [
                f"Your booking with {name} has moved to {at}.",
                "The attached invite updates it in your calendar; your manage link is unchanged.",
            ],
            "REQUEST",
        )
    if kind in ENDING:
        told, invited = ENDING[kind]
        return (
            "cancellation",
            f"Booking {told.split()[0]}: {name}, {at}",
            [f"Your booking with {name} for {at} was {told}."]
            + (["The attached invite removes it from your calendar."] if invited else []),
            "CANCEL" if invited else None,
        )
    return None


def to_booker(writer: Writer, event: Event, calendar: Calendar, now: datetime) -> list[Letter]:
    """The booker's letter for this event, if it has one and the booking an email."""
    booking = booking_of(event)
    token = event.manage_token
    link = [f"Manage (move or cancel) it here: {writer.manage_link(token)}"] if token else []
    text = _booker_text(Transition(event.type), booking, calendar, link)
    if not booking.email or text is None:
        return []
    kind, subject, paragraphs, method = text
    return [
        writer.letter(
            kind=kind,
            to=booking.email,
            subject=subject,
            paragraphs=[f"Hello {booking.name}," if booking.name else "Hello,", *paragraphs],
            now=now,
            invite=(calendar, booking, method) if method else None,
            event=event,
        )
    ]


def reminder(writer: Writer, event: Event, calendar: Calendar, now: datetime) -> list[Letter]:
    """The booker's reminder, due the calendar's `reminder_minutes` before the start, if
    that is still ahead (none for a booking made or moved later than that)."""
    booking = booking_of(event)
    if not booking.email or not calendar.reminder_minutes:
        return []
    if booking.status != BookingStatus.CONFIRMED:
        return []
    due = booking.start_at - timedelta(minutes=calendar.reminder_minutes)
    if due <= now:
        return []
    at = when(booking, calendar)
    return [
        writer.letter(
            kind=REMINDER,
            to=booking.email,
            subject=f"Reminder: {what(calendar)}, {at}",
            paragraphs=[
                f"Hello {booking.name}," if booking.name else "Hello,",
                f"A reminder of your booking with {what(calendar)}: {at}.",
                "To move or cancel it, use the link in your confirmation email.",
            ],
            now=now,
            due_at=due,
            event=event,
        )
    ]


def to_owner(
    writer: Writer, event: Event, calendar: Calendar, owner: str | None, now: datetime
) -> list[Letter]:
    """The owner's notice of a new, moved or cancelled booking."""
    kind = Transition(event.type)
    if owner is None or kind not in FOR_OWNER:
        return []
    booking = booking_of(event)
    who = booking.name or booking.email or "Someone"
    contact = f" ({booking.email})" if booking.email and booking.name else ""
    return [
        writer.letter(
            kind="notice",
            to=owner,
            subject=f"{FOR_OWNER[kind]}: {who}, {when(booking, calendar)}",
            paragraphs=[
                f"{FOR_OWNER[kind]} on {what(calendar)}:",
                f"{who}{contact}\n{when(booking, calendar)}"
                + (f"\n{booking.seats} seats" if booking.seats > 1 else ""),
                f"All its bookings: {bookings_link(writer.base, calendar)}",
            ],
            now=now,
            event=event,
        )
    ]


def links(
    writer: Writer, to: str, listed: list[tuple[Booking, Calendar, str]], now: datetime
) -> Letter:
    """The answer to "send me my links again": each upcoming booking with its new link."""
    lines = [
        f"{what(calendar)}, {when(booking, calendar)}\n{writer.manage_link(token)}"
        for booking, calendar, token in listed
    ]
    return writer.letter(
        kind="links",
        to=to,
        subject="Your booking links",
        paragraphs=[
            "Hello,",
            "You asked for the links to your upcoming bookings. Here they are:",
            *lines,
            "These links replace the ones we sent before: the old ones no longer work.",
            "If you did not ask for this, you can ignore this email.",
        ],
        now=now,
    )
