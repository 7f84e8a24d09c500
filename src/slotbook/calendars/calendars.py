"""Calendars and their opening hours: create, find, and set the schedule."""

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from slotbook import zones
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    CalendarNotFound,
    EmailTaken,
    InvalidHours,
    InvalidInput,
    ScheduleTooLarge,
)
from slotbook.scheduling import BookingWindow, DateHours, WeeklyRule, compact
from slotbook.scheduling.grid import to_instant
from slotbook.settings import Settings
from slotbook.store.tables import availability_rules, calendars, date_hours

EVERY_DAY = range(7)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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


def _calendar(row: object) -> Calendar:
    return Calendar(**row._mapping)  # type: ignore[attr-defined]


async def get_calendar(uow: UnitOfWork, calendar_id: int, *, kind: str | None = None) -> Calendar:
    """The calendar with this id (and kind, if given), or CalendarNotFound."""
    query = select(calendars).where(calendars.c.id == calendar_id)
    if kind is not None:
        query = query.where(calendars.c.kind == kind)
    row = (await uow.conn.execute(query)).first()
    if row is None:
        raise CalendarNotFound()
    return _calendar(row)


async def calendar_zones(uow: UnitOfWork, calendar_ids: set[int]) -> dict[int, ZoneInfo]:
    """The time zone of each of these calendars."""
    rows = await uow.conn.execute(
        select(calendars.c.id, calendars.c.timezone).where(calendars.c.id.in_(calendar_ids))
    )
    return {row.id: ZoneInfo(row.timezone) for row in rows}


async def find_calendar_of_user(uow: UnitOfWork, user_id: int) -> Calendar | None:
    """The calendar this user owns, if any (a user owns at most one)."""
    row = (await uow.conn.execute(select(calendars).where(calendars.c.user_id == user_id))).first()
    return _calendar(row) if row else None


async def list_calendars(
    uow: UnitOfWork, *, kind: str, limit: int | None = 50, offset: int = 0
) -> list[Calendar]:
    """Calendars of one kind, oldest first."""
    query = select(calendars).where(calendars.c.kind == kind).order_by(calendars.c.id)
    rows = await uow.conn.execute(query.limit(limit).offset(offset))
    return [_calendar(r) for r in rows]


async def find_calendar(uow: UnitOfWork, *, kind: str, owner_key: str) -> Calendar | None:
    row = (
        await uow.conn.execute(
            select(calendars).where(calendars.c.kind == kind, calendars.c.owner_key == owner_key)
        )
    ).first()
    return _calendar(row) if row else None


def check_zone(name: str) -> str:
    if not zones.is_zone(name):
        raise InvalidInput(f"Unknown time zone: {name[:64]}")
    return name


async def create_calendar(
    uow: UnitOfWork,
    *,
    kind: str,
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
) -> Calendar:
    """Insert a calendar; an email already used by another calendar is EmailTaken."""
    values = {
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
        "created_at": uow.now,
        "who_may_book": who_may_book,
    }
    try:
        async with uow.conn.begin_nested():
            new_id = (
                await uow.conn.execute(insert(calendars).returning(calendars.c.id), values)
            ).scalar_one()
    except IntegrityError as exc:
        raise EmailTaken("A calendar with that email already exists") from exc
    return Calendar(id=new_id, **values)


async def update_calendar(uow: UnitOfWork, calendar: Calendar, **changes: object) -> Calendar:
    """Change some of a calendar's settings (zone, slot length, notice, horizon, ...)."""
    if "timezone" in changes:
        check_zone(str(changes["timezone"]))
    await uow.conn.execute(update(calendars).where(calendars.c.id == calendar.id).values(changes))
    uow.touch(calendar.id, None)
    return replace(calendar, **changes)


async def load_schedule(
    uow: UnitOfWork, calendar_id: int, first: date | None = None, last: date | None = None
) -> Schedule:
    """The calendar's schedule; with `first` and `last`, only the rules and dated hours
    that can touch those local days (all a slot listing or a claim needs)."""
    rule_query = select(availability_rules).where(availability_rules.c.calendar_id == calendar_id)
    date_query = select(date_hours).where(date_hours.c.calendar_id == calendar_id)
    if first is not None and last is not None:
        rule_query = rule_query.where(
            or_(availability_rules.c.valid_from.is_(None), availability_rules.c.valid_from <= last),
            or_(
                availability_rules.c.valid_until.is_(None),
                availability_rules.c.valid_until >= first,
            ),
        )
        date_query = date_query.where(date_hours.c.on_date.between(first, last))
    rules = await uow.conn.execute(rule_query)
    dates = await uow.conn.execute(date_query)
    return Schedule(
        rules=[
            WeeklyRule(r.weekday, r.start_time, r.end_time, r.valid_from, r.valid_until)
            for r in rules
        ],
        dates=[DateHours(d.on_date, d.start_time, d.end_time, d.mode == "replace") for d in dates],
    )


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


async def set_schedule(uow: UnitOfWork, calendar: Calendar, schedule: Schedule) -> None:
    """Replace the calendar's weekly rules and date-specific hours with `schedule`,
    overlapping ranges joined; ScheduleTooLarge if it holds more than a calendar may."""
    schedule = compacted(uow.settings, schedule)
    for rule in schedule.rules:
        check_hours(rule.start, rule.end)
    for hours in schedule.dates:
        if hours.start is not None and hours.end is not None:
            check_hours(hours.start, hours.end)
        elif hours.start is not None or hours.end is not None or not hours.replace:
            raise InvalidInput("Date hours need both a start and an end")
    conn = uow.conn
    await conn.execute(
        delete(availability_rules).where(availability_rules.c.calendar_id == calendar.id)
    )
    await conn.execute(delete(date_hours).where(date_hours.c.calendar_id == calendar.id))
    if schedule.rules:
        await conn.execute(
            insert(availability_rules),
            [
                {
                    "calendar_id": calendar.id,
                    "weekday": r.weekday,
                    "start_time": r.start,
                    "end_time": r.end,
                    "valid_from": r.valid_from,
                    "valid_until": r.valid_until,
                }
                for r in schedule.rules
            ],
        )
    if schedule.dates:
        await conn.execute(
            insert(date_hours),
            [
                {
                    "calendar_id": calendar.id,
                    "on_date": d.on,
                    "mode": "replace" if d.replace else "extra",
                    "start_time": d.start,
                    "end_time": d.end,
                }
                for d in schedule.dates
            ],
        )
    uow.touch(calendar.id, None)


def daily(start: time, end: time) -> Schedule:
    """The same hours every day of the week."""
    return Schedule(rules=[WeeklyRule(d, start, end) for d in EVERY_DAY], dates=[])
