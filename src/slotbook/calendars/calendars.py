"""Calendars and their opening hours: create, find, and set the schedule."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from slotbook.engine import UnitOfWork
from slotbook.errors import CalendarNotFound, EmailTaken, InvalidHours, InvalidInput
from slotbook.scheduling import BookingWindow, DateHours, WeeklyRule
from slotbook.scheduling.grid import to_instant
from slotbook.store.tables import availability_rules, calendars, date_hours

EVERY_DAY = range(7)


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


async def calendars_by_id(uow: UnitOfWork, calendar_ids: set[int]) -> dict[int, Calendar]:
    """Each of these calendars, by id."""
    rows = await uow.conn.execute(select(calendars).where(calendars.c.id.in_(calendar_ids)))
    return {row.id: _calendar(row) for row in rows}


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
    try:
        ZoneInfo(name)
    except (ValueError, KeyError) as exc:
        raise InvalidInput(f"Unknown time zone: {name}") from exc
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


async def load_schedule(uow: UnitOfWork, calendar_id: int) -> Schedule:
    rules = await uow.conn.execute(
        select(availability_rules).where(availability_rules.c.calendar_id == calendar_id)
    )
    dates = await uow.conn.execute(
        select(date_hours).where(date_hours.c.calendar_id == calendar_id)
    )
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


async def set_schedule(uow: UnitOfWork, calendar: Calendar, schedule: Schedule) -> None:
    """Replace the calendar's weekly rules and date-specific hours with `schedule`."""
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
