"""What a booking is: its status, where it came from, and the rule of when it occupies time."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from slotbook.scheduling.rules import Buffers
from slotbook.scheduling.window import Interval


class BookingStatus(StrEnum):
    """A booking's status, as stored (the values are the database's)."""

    HELD = "held"  # reserved for a grace period, until `hold_expires_at`
    CONFIRMED = "confirmed"
    PENDING = "pending"  # awaiting the owner's approval; occupies like a confirmed one
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # a hold whose grace period ended before it was confirmed
    DECLINED = "declined"  # a pending booking the owner (or the approval timeout) refused


NO_BUFFERS = Buffers()

#: The statuses that occupy time or seats (a hold only until it expires).
OCCUPYING = (BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.PENDING)


class Source(StrEnum):
    """The surface a booking was made through."""

    BOARD = "board"
    OWNERS = "owners"
    PROVIDERS = "providers"
    EVENTS = "events"
    RESERVATIONS = "reservations"
    WEB = "web"
    SERIES = "series"  # an occurrence of a recurring booking
    WAITLIST = "waitlist"  # a freed place offered to the next on its waitlist


@dataclass(frozen=True, slots=True)
class Booking:
    id: int
    calendar_id: int
    slot_id: int | None
    start_at: datetime
    end_at: datetime
    status: str
    hold_expires_at: datetime | None
    name: str | None
    email: str | None
    user_id: int | None
    source: str
    created_at: datetime
    updated_at: datetime
    seats: int = 1
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    series_id: int | None = None  # the series it is an occurrence of
    sequence: int = 0  # grows with every move (the iCalendar SEQUENCE)

    @property
    def buffers(self) -> Buffers:
        """The buffers it was made with (the calendar's may have changed since)."""
        return Buffers(self.buffer_before_minutes, self.buffer_after_minutes)

    @property
    def claimed(self) -> Interval:
        """The time it keeps from other claims: its own with its buffers."""
        return self.buffers.around(self.start_at, self.end_at)

    def is_active(self, now: datetime) -> bool:
        """Whether it still occupies its time or seat at `now` (a hold only until it
        expires): the Python twin of `store.predicates.occupying`."""
        if self.status == BookingStatus.HELD:
            return self.hold_expires_at is not None and self.hold_expires_at > now
        return self.status in OCCUPYING

    def live_status(self, now: datetime) -> str:
        """The status a client sees: a hold past its expiry is expired, swept or not."""
        if self.status == BookingStatus.HELD and not self.is_active(now):
            return BookingStatus.EXPIRED
        return self.status


@dataclass(frozen=True, slots=True)
class NewBooking:
    """A booking just made, with its manage token (shown once, never stored)."""

    booking: Booking
    token: str


@dataclass(frozen=True, slots=True)
class Draft:
    """A booking about to be made: what it claims and who for (a hold when `hold_until`)."""

    calendar_id: int
    start_at: datetime
    end_at: datetime
    source: str
    slot_id: int | None = None
    name: str | None = None
    email: str | None = None
    user_id: int | None = None
    hold_until: datetime | None = None
    seats: int = 1
    buffers: Buffers = NO_BUFFERS
    pending: bool = False  # awaits the owner's approval
    series_id: int | None = None  # an occurrence of this series

    @property
    def status(self) -> BookingStatus:
        if self.hold_until:
            return BookingStatus.HELD
        return BookingStatus.PENDING if self.pending else BookingStatus.CONFIRMED


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
