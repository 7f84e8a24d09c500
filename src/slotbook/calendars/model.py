"""What a calendar is: its kind, zone, slot length, booking window and opening hours."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from slotbook.scheduling import BookingWindow, DateHours, WeeklyRule, local_day_bounds, start_of
from slotbook.scheduling.rules import Buffers, Limits


class CalendarKind(StrEnum):
    """Which surface a calendar serves (the values are the database's)."""

    OWNER = "owner"  # surface 001: an owner's working hours
    PROVIDER = "provider"  # surfaces 002 and 004: a provider's time
    BOARD = "board"  # surface 000: the live slot board
    EVENT = "event"  # surface 003: explicit slots with seats


class WhoMayBook(StrEnum):
    """Who may book a calendar and see its free time."""

    ANYONE = "anyone"
    #: a 004 provider's calendar: patients book it through their own sign-in (reserve)
    SIGNED_IN_PATIENTS = "signed_in_patients"


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
    who_may_book: str = WhoMayBook.ANYONE

    @property
    def patients_only(self) -> bool:
        return self.who_may_book == WhoMayBook.SIGNED_IN_PATIENTS

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
    waitlist_offer_minutes: int = 60  # how long a freed place is held for the next waiter
    # email (README "Email")
    reminder_minutes: int = 1440  # 0: no reminders
    notice_email: str | None = None  # where owner notices go, before the provider's own
    #: changes whenever the opening hours are replaced (`store.calendars.load_schedule`)
    schedule_version: str | None = None
    #: changes with every change of the calendar (`store.kept_calendars`)
    version: str = ""

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
        """The instants its local days `first`..`last` run between, [start, end): where
        they really begin and end (`scheduling.local_day_bounds` in its zone)."""
        return local_day_bounds(self.zone, first, last)

    def today(self, now: datetime) -> date:
        return self.local_day(now)

    def at(self, day: date, wall: time, length: timedelta | None = None) -> datetime | None:
        """The instant a booking of `length` (default: a slot) starting at wall time `wall`
        on `day` begins here (`scheduling.start_of`); None if the clocks skip it."""
        length = self.slot_length if length is None else length
        return start_of(datetime.combine(day, wall), length, self.zone)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A calendar's weekly rules and date-specific hours."""

    rules: list[WeeklyRule]
    dates: list[DateHours]
