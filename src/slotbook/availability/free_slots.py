"""Free time on a calendar: its schedule, minus active claims, inside its booking window."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from slotbook.calendars.calendars import Calendar, Schedule, load_schedule
from slotbook.engine import UnitOfWork
from slotbook.errors import WindowTooLong
from slotbook.scheduling import (
    Interval,
    Slot,
    day_slots,
    in_window,
    opening_hours,
    unclaimed,
    window_slots,
)
from slotbook.settings import Settings
from slotbook.store.predicates import occupying, time_claims_overlapping
from slotbook.store.tables import bookings


async def busy_between(
    uow: UnitOfWork,
    calendar_id: int,
    start: datetime,
    end: datetime,
    *,
    excluding: int | None = None,
) -> list[Interval]:
    """Active claims on the calendar that overlap [start, end), in start order, but
    booking `excluding`."""
    query = (
        select(bookings.c.start_at, bookings.c.end_at)
        .order_by(bookings.c.start_at)
        .where(time_claims_overlapping(calendar_id, start, end), occupying(uow.now))
    )
    if excluding is not None:
        query = query.where(bookings.c.id != excluding)
    rows = await uow.conn.execute(query)
    return [Interval(start, end) for start, end in rows]


def day_bounds(calendar: Calendar, first: date, last: date) -> tuple[datetime, datetime]:
    zone = calendar.zone
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    # Slots may run past local midnight; widen by one slot so their claims are seen.
    return start, end + calendar.slot_length


def grid(calendar: Calendar, schedule: Schedule, first: date, last: date) -> list[Slot]:
    """Every slot the schedule opens from `first` to `last`, booked or not."""
    return window_slots(
        first,
        last,
        calendar.zone,
        lambda day: opening_hours(day, schedule.rules, schedule.dates),
        calendar.slot_minutes,
    )


def check_window_length(settings: Settings, first: date, last: date) -> None:
    """Refuse a date window longer than `max_window_days`."""
    if (last - first).days + 1 > settings.max_window_days:
        raise WindowTooLong(f"The date window may span at most {settings.max_window_days} days")


async def unclaimed_slots_between(
    uow: UnitOfWork, calendar: Calendar, first: date, last: date
) -> list[Slot]:
    """Slots of the local days `first`..`last` that no active claim overlaps, whatever
    the booking window (past ones included)."""
    schedule = await load_schedule(uow, calendar.id)
    candidates = grid(calendar, schedule, first, last)
    if not candidates:
        return []
    start, end = day_bounds(calendar, first, last)
    return unclaimed(candidates, await busy_between(uow, calendar.id, start, end))


async def free_slots_between(
    uow: UnitOfWork, calendar: Calendar, first: date, last: date
) -> list[Slot]:
    """Bookable slots of the local days `first`..`last`, in time order."""
    check_window_length(uow.settings, first, last)
    slots = await unclaimed_slots_between(uow, calendar, first, last)
    return in_window(slots, uow.now, calendar.window)


async def grid_slot_at(uow: UnitOfWork, calendar: Calendar, start_at: datetime) -> Slot | None:
    """The slot of the calendar's schedule that starts at `start_at`, if there is one."""
    day = calendar.local_day(start_at)
    schedule = await load_schedule(uow, calendar.id)
    hours = opening_hours(day, schedule.rules, schedule.dates)
    return next(
        (
            s
            for s in day_slots(day, calendar.zone, hours, calendar.slot_minutes)
            if s.start == start_at
        ),
        None,
    )
