"""What a calendar is: its kind, zone, slot length, booking window and opening hours."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from slotbook.scheduling import BookingWindow, DateHours, WeeklyRule
from slotbook.scheduling.grid import to_instant
from slotbook.scheduling.rules import Buffers, Limits


def midnight(day: date, zone: tzinfo) -> datetime:
    """The instant `day` begins in `zone`."""
    return datetime.combine(day, time(), zone)


def days_span(first: date, last: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The instants the days `first`..`last` of `zone` run between: [start, end)."""
    return midnight(first, zone), midnight(last + timedelta(days=1), zone)


class CalendarKind(StrEnum):
    """Which surface a calendar serves (the values are the database's)."""

    OWNER = "owner"  # surface 001: an owner's working hours
    PROVIDER = "provider"  # surfaces 002 and 004: a provider's time
    BOARD = "board"  # surface 000: the live slot board
    EVENT = "event"  # surface 003: explicit slots with seats


@dataclass(frozen=True, slots=True)
class Calendar:
    """A bookable calendar: whose it is, its zone, slot length and booking rules."""

    id: int
    kind: str
    owner_key: str | None
    name: str
    email: str | None
    user_id: int | None
    description: str | None
    event_date: date | None
    timezone: str
    slot_minutes: int
    enforce_hours: bool
    min_notice_minutes: int
    horizon_days: int
    change_cutoff_minutes: int
    created_at: datetime
    # booking rules (README "Booking rules"); defaults as the schema's
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    max_per_day: int | None = None
    max_per_week: int | None = None
    max_per_booker_per_day: int | None = None
    max_per_booker_per_week: int | None = None
    cancel_cutoff_minutes: int | None = None  # None: change_cutoff_minutes
    move_cutoff_minutes: int | None = None  # None: change_cutoff_minutes
    requires_approval: bool = False
    approval_timeout_minutes: int = 1440
    max_seats_per_booking: int = 10

    @property
    def buffers(self) -> Buffers:
        return Buffers(self.buffer_before_minutes, self.buffer_after_minutes)

    @property
    def limits(self) -> Limits:
        return Limits(
            self.max_per_day,
            self.max_per_week,
            self.max_per_booker_per_day,
            self.max_per_booker_per_week,
        )

    @property
    def cancel_cutoff(self) -> int:
        """Minutes before the start after which a booking can no longer be cancelled."""
        if self.cancel_cutoff_minutes is None:
            return self.change_cutoff_minutes
        return self.cancel_cutoff_minutes

    @property
    def move_cutoff(self) -> int:
        """Minutes before the start after which a booking can no longer be moved."""
        if self.move_cutoff_minutes is None:
            return self.change_cutoff_minutes
        return self.move_cutoff_minutes

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def slot_length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    @property
    def window(self) -> BookingWindow:
        return BookingWindow(
            min_notice=timedelta(minutes=self.min_notice_minutes),
            horizon=timedelta(days=self.horizon_days),
        )

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def days_span(self, first: date, last: date) -> tuple[datetime, datetime]:
        """The instants its local days `first`..`last` run between: [start, end)."""
        return days_span(first, last, self.zone)

    def today(self, now: datetime) -> date:
        return self.local_day(now)

    def at(self, day: date, wall: time) -> datetime | None:
        """The instant of wall time `wall` on `day` here; None if DST skips it."""
        return to_instant(datetime.combine(day, wall), self.zone)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A calendar's weekly rules and date-specific hours."""

    rules: list[WeeklyRule]
    dates: list[DateHours]
