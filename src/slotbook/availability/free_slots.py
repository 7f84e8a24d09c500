"""Free time on a calendar: the one read path every slot list, the board and the cache
use, and the same questions a claim asks before it writes.

- `openings`: the slots its hours open on some local days, and which of those no
  active claim (confirmed, or a hold not yet expired) overlaps;
- `bookable` / `check_bookable`: the booking rules (not past, minimum notice, horizon)
  as a filter for lists and as a check for one claim;
- `opening_at` and `is_claimed`: the claim's questions, one start time at a time.

A rule added to calendar time (buffers, limits) is added here once, to both forms.
"""

from dataclasses import dataclass
from datetime import date, datetime

from slotbook.calendars.model import Calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import BeyondHorizon, InPast, TooSoon, WindowTooLong
from slotbook.scheduling import Slot, day_slots, in_window, opening_hours, unclaimed, window_slots
from slotbook.settings import Settings
from slotbook.store.booking_reads import busy_between
from slotbook.store.calendars import load_schedule


@dataclass(frozen=True, slots=True)
class Openings:
    """Some local days of a calendar: every slot its hours open (`grid`), in time order,
    and those of them that no active claim overlaps (`unclaimed`)."""

    grid: list[Slot]
    unclaimed: list[Slot]


async def grid(uow: UnitOfWork, calendar: Calendar, first: date, last: date) -> list[Slot]:
    """Every slot the calendar's hours open on the local days `first`..`last`."""
    schedule = await load_schedule(uow, calendar.id)
    return window_slots(
        first,
        last,
        calendar.zone,
        lambda day: opening_hours(day, schedule.rules, schedule.dates),
        calendar.slot_minutes,
    )


def claims_window(calendar: Calendar, first: date, last: date) -> tuple[datetime, datetime]:
    """The stretch of time whose claims can touch a slot of the local days `first`..`last`:
    the days themselves, and one slot more (a slot may run past local midnight)."""
    start, end = calendar.days_span(first, last)
    return start, end + calendar.slot_length


async def openings(uow: UnitOfWork, calendar: Calendar, first: date, last: date) -> Openings:
    """The calendar's slots on the local days `first`..`last`, whatever the booking
    window (past ones included), and which of them are unclaimed."""
    slots = await grid(uow, calendar, first, last)
    if not slots:
        return Openings([], [])
    busy = await busy_between(uow, calendar.id, *claims_window(calendar, first, last))
    return Openings(slots, unclaimed(slots, busy))


def bookable(calendar: Calendar, slots: list[Slot], now: datetime) -> list[Slot]:
    """The slots a client may book at `now` (the list form of `check_bookable`)."""
    return in_window(slots, now, calendar.window)


def check_bookable(calendar: Calendar, start_at: datetime, now: datetime) -> None:
    """Refuse a start in the past, inside the minimum notice, or beyond the horizon (the
    claim form of `bookable`)."""
    window = calendar.window
    if start_at < now:
        raise InPast()
    if start_at < window.earliest(now):
        raise TooSoon(f"Bookings need at least {calendar.min_notice_minutes} minutes' notice")
    if start_at > window.latest(now):
        raise BeyondHorizon(f"Bookings can be made at most {calendar.horizon_days} days ahead")


def check_window_length(settings: Settings, first: date, last: date) -> None:
    """Refuse a date window longer than `max_window_days`."""
    if (last - first).days + 1 > settings.max_window_days:
        raise WindowTooLong(f"The date window may span at most {settings.max_window_days} days")


async def free_slots_between(
    uow: UnitOfWork, calendar: Calendar, first: date, last: date
) -> list[Slot]:
    """Bookable slots of the local days `first`..`last`, in time order."""
    check_window_length(uow.settings, first, last)
    return bookable(calendar, (await openings(uow, calendar, first, last)).unclaimed, uow.now)


async def opening_at(uow: UnitOfWork, calendar: Calendar, start_at: datetime) -> Slot | None:
    """The slot of the calendar's hours that starts at `start_at`, if there is one."""
    day = calendar.local_day(start_at)
    schedule = await load_schedule(uow, calendar.id)
    hours = opening_hours(day, schedule.rules, schedule.dates)
    slots = day_slots(day, calendar.zone, hours, calendar.slot_minutes)
    return next((s for s in slots if s.start == start_at), None)


async def is_claimed(
    uow: UnitOfWork,
    calendar: Calendar,
    start_at: datetime,
    end_at: datetime,
    *,
    excluding: int | None = None,
) -> bool:
    """Whether an active claim but booking `excluding` overlaps [start_at, end_at)."""
    return bool(await busy_between(uow, calendar.id, start_at, end_at, excluding=excluding))
