"""Calendars and their opening hours: create, find, change, and set the schedule."""

from collections import Counter
from dataclasses import replace
from datetime import date, time
from typing import Any

from slotbook import zones
from slotbook.calendars.model import Calendar, CalendarKind, Schedule, WhoMayBook
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    CalendarNotFound,
    EmailTaken,
    InvalidHours,
    InvalidInput,
    ScheduleTooLarge,
)
from slotbook.scheduling import WeeklyRule, compact
from slotbook.settings import Settings
from slotbook.store import calendars as rows
from slotbook.store.calendars import (
    calendars_by_id,
    find_calendar,
    find_calendar_of_user,
    list_calendars,
    load_schedule,
    search_calendars,
)

__all__ = [
    "Calendar",
    "CalendarKind",
    "Schedule",
    "WhoMayBook",
    "calendars_by_id",
    "check_hours",
    "check_zone",
    "checked",
    "compacted",
    "create_calendar",
    "daily",
    "find_calendar",
    "find_calendar_of_user",
    "get_calendar",
    "list_calendars",
    "load_schedule",
    "search_calendars",
    "set_schedule",
    "update_calendar",
]

EVERY_DAY = range(7)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


async def get_calendar(
    uow: UnitOfWork, calendar_id: int, *, kind: str | None = None, for_claim: bool = False
) -> Calendar:
    """The calendar with this id (and kind, if given), or CalendarNotFound; `for_claim`:
    read as a claim on it reads its limits (`store.calendars`)."""
    calendar = await rows.get_calendar_row(uow, calendar_id, kind=kind, for_claim=for_claim)
    if calendar is None:
        raise CalendarNotFound()
    return calendar


def check_zone(name: str) -> str:
    if not zones.is_zone(name):
        raise InvalidInput(f"Unknown time zone: {name[:64]}")
    return name


async def create_calendar(
    uow: UnitOfWork,
    *,
    kind: CalendarKind,
    name: str = "",
    owner_key: str | None = None,
    email: str | None = None,
    user_id: int | None = None,
    description: str | None = None,
    event_date: date | None = None,
    timezone: str | None = None,
    slot_minutes: int | None = None,
    enforce_hours: bool = True,
    min_notice_minutes: int = 0,
    horizon_days: int | None = None,
    change_cutoff_minutes: int = 0,
    who_may_book: WhoMayBook = WhoMayBook.ANYONE,
    max_seats_per_booking: int = 10,
) -> Calendar:
    """Insert a calendar; an email already used by another calendar is EmailTaken."""
    calendar = await rows.insert_calendar(
        uow,
        {
            "kind": kind,
            "owner_key": owner_key,
            "name": name,
            "email": email,
            "user_id": user_id,
            "description": description,
            "event_date": event_date,
            "timezone": check_zone(timezone or uow.settings.default_timezone),
            "slot_minutes": slot_minutes or uow.settings.default_slot_duration_minutes,
            "enforce_hours": enforce_hours,
            "min_notice_minutes": min_notice_minutes,
            "horizon_days": horizon_days or uow.settings.max_advance_booking_days,
            "change_cutoff_minutes": change_cutoff_minutes,
            "max_seats_per_booking": max_seats_per_booking,
            "created_at": uow.now,
            "who_may_book": who_may_book,
        },
    )
    if calendar is None:
        raise EmailTaken("A calendar with that email already exists")
    return calendar


async def update_calendar(uow: UnitOfWork, calendar: Calendar, **changes: Any) -> Calendar:
    """Change some of a calendar's settings (zone, slot length, notice, horizon, ...)."""
    if "timezone" in changes:
        check_zone(str(changes["timezone"]))
    await rows.update_calendar_row(uow, calendar.id, changes)
    uow.touch(calendar.id, None)
    return replace(calendar, **changes)


def check_hours(start: time, end: time) -> None:
    if start >= end:
        raise InvalidHours()


def compacted(settings: Settings, schedule: Schedule) -> Schedule:
    """`schedule` with overlapping ranges joined; ScheduleTooLarge if it still holds more
    than one calendar may (cheap to repeat on a schedule that is already compact)."""
    schedule = Schedule(*compact(schedule.rules, schedule.dates))
    _check_size(settings, schedule)
    return schedule


def _check_size(settings: Settings, schedule: Schedule) -> None:
    """ScheduleTooLarge naming the limit when a (compacted) schedule passes one."""
    most = settings.max_ranges_per_day
    weekly = Counter((r.weekday, r.valid_from, r.valid_until) for r in schedule.rules)
    dated = Counter((d.on, d.replace) for d in schedule.dates)
    for (weekday, _, _), count in weekly.items():
        if count > most:
            raise ScheduleTooLarge(
                f"{WEEKDAYS[weekday]} has {count} separate time ranges; at most {most} a day "
                "are accepted (SLOTBOOK_MAX_RANGES_PER_DAY)"
            )
    for (on, _), count in dated.items():
        if count > most:
            raise ScheduleTooLarge(
                f"{on} has {count} separate time ranges; at most {most} a day are accepted "
                "(SLOTBOOK_MAX_RANGES_PER_DAY)"
            )
    if len(schedule.dates) > settings.max_dated_hours:
        raise ScheduleTooLarge(
            f"{len(schedule.dates)} date-specific time ranges (exceptions and manual slots); "
            f"at most {settings.max_dated_hours} are accepted (SLOTBOOK_MAX_DATED_HOURS)"
        )
    for rule in schedule.rules:
        if (
            rule.valid_from is not None
            and rule.valid_until is not None
            and (rule.valid_until - rule.valid_from).days > settings.max_rule_days
        ):
            raise ScheduleTooLarge(
                f"A weekly schedule may span at most {settings.max_rule_days} days "
                "(SLOTBOOK_MAX_RULE_DAYS)"
            )


def checked(settings: Settings, schedule: Schedule) -> Schedule:
    """`schedule` compacted, if every range starts before it ends (InvalidHours) and it
    holds no more than a calendar may (ScheduleTooLarge)."""
    schedule = compacted(settings, schedule)
    for rule in schedule.rules:
        check_hours(rule.start, rule.end)
    for hours in schedule.dates:
        if hours.start is not None and hours.end is not None:
            check_hours(hours.start, hours.end)
        elif hours.start is not None or hours.end is not None or not hours.replace:
            raise InvalidInput("Date hours need both a start and an end")
    return schedule


async def set_schedule(uow: UnitOfWork, calendar: Calendar, schedule: Schedule) -> Calendar:
    """Replace the calendar's weekly rules and date-specific hours with `schedule`,
    overlapping ranges joined; ScheduleTooLarge if it holds more than a calendar may.
    The calendar as it is now (with its new schedule version)."""
    schedule = checked(uow.settings, schedule)
    version = await rows.replace_schedule(uow, calendar.id, schedule)
    uow.touch(calendar.id, None)
    return replace(calendar, schedule_version=version)


def daily(start: time, end: time) -> Schedule:
    """The same hours every day of the week."""
    return Schedule(rules=[WeeklyRule(d, start, end) for d in EVERY_DAY], dates=[])
