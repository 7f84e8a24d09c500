"""What a booking is: its status, where it came from, and the rule of when it occupies time."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class BookingStatus(StrEnum):
    """A booking's status, as stored (the values are the database's)."""

    HELD = "held"  # reserved for a grace period, until `hold_expires_at`
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # a hold whose grace period ended before it was confirmed


class Source(StrEnum):
    """The surface a booking was made through."""

    BOARD = "board"
    OWNERS = "owners"
    PROVIDERS = "providers"
    EVENTS = "events"
    RESERVATIONS = "reservations"
    WEB = "web"


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

    def is_active(self, now: datetime) -> bool:
        """Whether it still occupies its time or seat at `now` (a hold only until it
        expires): the Python twin of `store.predicates.occupying`."""
        if self.status == BookingStatus.HELD:
            return self.hold_expires_at is not None and self.hold_expires_at > now
        return self.status == BookingStatus.CONFIRMED

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
