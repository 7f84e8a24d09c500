"""What the owner's console needs beyond the documented surfaces, as public API: who
the token belongs to (`/api/v1/me`), the calendars a signed-in provider or admin
manages, and a calendar's opening hours read, replaced and previewed whole, and its free
slots (`/api/v1/calendars...`).

Always with a bearer token (in open mode too): a provider for their own calendar, an
admin for any; a patient's token is 403. Errors are `{"detail", "code"}`.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, PlainSerializer

from slotbook.accounts import permissions
from slotbook.availability.free_slots import free_slots_between
from slotbook.calendars import calendars as cal
from slotbook.errors import (
    CalendarNotFound,
    Forbidden,
    InvalidHours,
    ScheduleTooLarge,
    Unauthorized,
)
from slotbook.scheduling import DateHours, WeeklyRule
from slotbook.surfaces.http.auth import CurrentUser
from slotbook.surfaces.http.deps import EngineDep
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import LAST_DAY, Day, Id, Limit, Offset, WallTime
from slotbook.surfaces.http.replies import examples

STYLE = ErrorStyle()
router = APIRouter(prefix="/api/v1", tags=["console"], route_class=surface_route(STYLE))
PREVIEW_DAYS = 14
NOT_YOURS = Forbidden("Only this calendar's owner or an admin may do that")
PATIENT = Forbidden("This is for providers and admins; a patient's account cannot use it")
SIGNED_IN = STYLE.responses(Unauthorized, PATIENT, NOT_YOURS, CalendarNotFound)
HOURS_ERRORS = STYLE.responses(
    Unauthorized,
    PATIENT,
    NOT_YOURS,
    CalendarNotFound,
    InvalidHours,
    ScheduleTooLarge("Monday has 30 separate time ranges; at most 24 a day are accepted"),
)


class ManagedCalendarOut(BaseModel):
    """A calendar as its manager sees it: `owner_key` is surface 001's
    `calendar_owner_id`, `user_id` the account that owns it (null: admins manage it)."""

    model_config = examples(
        {
            "id": 3,
            "kind": "provider",
            "name": "Dr Ada",
            "email": "ada@example.com",
            "owner_key": None,
            "user_id": 7,
            "timezone": "Europe/Berlin",
            "slot_minutes": 15,
            "event_date": None,
            "who_may_book": "signed_in_patients",
            "today": "2031-01-20",
        }
    )

    id: int
    kind: str
    name: str
    email: str | None
    owner_key: str | None
    user_id: int | None
    timezone: str
    slot_minutes: int
    event_date: date | None
    who_may_book: str = Field(description="anyone, or signed_in_patients (a 004 provider's)")
    today: date = Field(description="the date in its zone as this answer was made")

    @classmethod
    def of(cls, calendar: cal.Calendar, now: datetime) -> "ManagedCalendarOut":
        return cls(
            id=calendar.id,
            kind=calendar.kind,
            name=calendar.name,
            email=calendar.email,
            owner_key=calendar.owner_key,
            user_id=calendar.user_id,
            timezone=calendar.timezone,
            slot_minutes=calendar.slot_minutes,
            event_date=calendar.event_date,
            who_may_book=calendar.who_may_book,
            today=calendar.today(now),
        )


#: `HH:MM` in and out
Clock = Annotated[
    WallTime, PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json")
]


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


class Range(BaseModel):
    start: Clock = Field(examples=["09:00"])
    end: Clock = Field(examples=["17:00"])


class WeeklyRange(Range):
    weekday: int = Field(ge=0, le=6, description="Monday = 0 … Sunday = 6")
    valid_from: Day | None = Field(None, description="first date it applies (none: always)")
    valid_until: Day | None = Field(None, description="last date it applies (none: always)")


class DatedRanges(BaseModel):
    date: Day
    ranges: list[Range] = Field(max_length=48)


Ranges = Annotated[list[DatedRanges], Field(max_length=1000)]


class Hours(BaseModel):
    """A calendar's whole opening hours in its zone: weekly ranges (several a day), date
    exceptions (`ranges` replace that date's weekly hours; none: closed) and extra dates
    (`ranges` added to that date's hours)."""

    model_config = examples(
        {
            "weekly": [
                {"weekday": d, "start": "09:00", "end": "17:00", "valid_from": None}
                for d in range(5)
            ],
            "exceptions": [{"date": "2031-12-25", "ranges": []}],
            "extra": [{"date": "2031-12-27", "ranges": [{"start": "10:00", "end": "12:00"}]}],
        }
    )

    weekly: list[WeeklyRange] = Field(max_length=7 * 48)
    exceptions: Ranges = []
    extra: Ranges = []

    def schedule(self) -> cal.Schedule:
        rules = [
            WeeklyRule(r.weekday, r.start, r.end, r.valid_from, r.valid_until) for r in self.weekly
        ]
        dates = [
            DateHours(day.date, None, None, True) for day in self.exceptions if not day.ranges
        ] + [
            DateHours(day.date, r.start, r.end, replace)
            for days, replace in ((self.exceptions, True), (self.extra, False))
            for day in days
            for r in day.ranges
        ]
        return cal.Schedule(rules=rules, dates=dates)

    @classmethod
    def of(cls, schedule: cal.Schedule) -> "Hours":
        dated: dict[bool, defaultdict[date, list[Range]]] = {
            True: defaultdict(list),
            False: defaultdict(list),
        }
        for hours in sorted(schedule.dates, key=lambda d: (d.on, d.start or time.min)):
            ranges = dated[hours.replace][hours.on]
            if hours.start is not None and hours.end is not None:
                ranges.append(Range(start=_clock(hours.start), end=_clock(hours.end)))
        return cls(
            weekly=[
                WeeklyRange(
                    weekday=r.weekday,
                    start=_clock(r.start),
                    end=_clock(r.end),
                    valid_from=r.valid_from,
                    valid_until=r.valid_until,
                )
                for r in sorted(schedule.rules, key=lambda r: (r.weekday, r.start))
            ],
            exceptions=[DatedRanges(date=d, ranges=r) for d, r in dated[True].items()],
            extra=[DatedRanges(date=d, ranges=r) for d, r in dated[False].items()],
        )


class PreviewSlot(BaseModel):
    start_at: datetime
    start_time: str
    end_time: str


class PreviewDay(BaseModel):
    date: date
    slots: list[PreviewSlot]


class Preview(BaseModel):
    """What the booking pages would offer on each of the next 14 days (the calendar's
    zone) under the hours sent: the booking rules and today's bookings applied."""

    calendar_id: int
    timezone: str
    days: list[PreviewDay]


class MeOut(BaseModel):
    """Who the bearer token belongs to."""

    model_config = examples(
        {"id": 7, "name": "Dr Ada", "email": "ada@example.com", "role": "provider"}
    )

    id: int
    name: str
    email: str
    role: str = Field(description="provider, patient or admin")


@router.get("/me", summary="Who you are signed in as", responses=STYLE.responses(Unauthorized))
async def me(user: CurrentUser) -> MeOut:
    return MeOut(id=user.id, name=user.name, email=user.email, role=user.role)


async def _managed(engine: EngineDep, user: CurrentUser, calendar_id: int) -> cal.Calendar:
    permissions.check_console_user(user)
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar = await cal.get_calendar(uow, calendar_id)
    permissions.check_manager(user, calendar)
    return calendar


@router.get(
    "/calendars",
    summary="The calendars you manage (an admin: every one), searchable",
    responses=STYLE.responses(Unauthorized, PATIENT),
)
async def my_calendars(
    engine: EngineDep,
    user: CurrentUser,
    q: Annotated[
        str | None, Query(max_length=200, description="in the name, email or owner id")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[ManagedCalendarOut]:
    permissions.check_console_user(user)
    async for attempt in engine.attempts():
        async with attempt as uow:
            found = await cal.search_calendars(
                uow,
                user_id=None if user.is_admin else user.id,
                text=q.strip() if q else None,
                limit=limit,
                offset=offset,
            )
    return [ManagedCalendarOut.of(c, uow.now) for c in found]


@router.get(
    "/calendars/{calendar_id}/hours", summary="A calendar's opening hours", responses=SIGNED_IN
)
async def show_hours(calendar_id: Id, engine: EngineDep, user: CurrentUser) -> Hours:
    await _managed(engine, user, calendar_id)
    async for attempt in engine.attempts():
        async with attempt as uow:
            schedule = await cal.load_schedule(uow, calendar_id)
    return Hours.of(schedule)


@router.put(
    "/calendars/{calendar_id}/hours",
    summary="Replace a calendar's opening hours (overlapping ranges are joined)",
    responses=HOURS_ERRORS,
)
async def replace_hours(
    calendar_id: Id, body: Hours, engine: EngineDep, user: CurrentUser
) -> Hours:
    permissions.check_console_user(user)
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            calendar = await cal.get_calendar(uow, calendar_id)
            permissions.check_manager(user, calendar)
            await cal.set_schedule(uow, calendar, body.schedule())
            schedule = await cal.load_schedule(uow, calendar_id)
    return Hours.of(schedule)


@router.post(
    "/calendars/{calendar_id}/hours/preview",
    summary="The free slots of the next 14 days under these hours (nothing is saved)",
    responses=HOURS_ERRORS,
)
async def preview_hours(
    calendar_id: Id, body: Hours, engine: EngineDep, user: CurrentUser
) -> Preview:
    calendar = await _managed(engine, user, calendar_id)
    return await _free_days(engine, calendar, None, PREVIEW_DAYS, body.schedule())


@router.get(
    "/calendars/{calendar_id}/openings",
    summary="The free slots of some days under the saved hours (where a booking may move)",
    responses=SIGNED_IN,
)
async def openings(
    calendar_id: Id,
    engine: EngineDep,
    user: CurrentUser,
    start_date: Annotated[Day | None, Query(description="default: today (its zone)")] = None,
    days: Annotated[int, Query(ge=1, le=31)] = 7,
) -> Preview:
    calendar = await _managed(engine, user, calendar_id)
    return await _free_days(engine, calendar, start_date, days, None)


async def _free_days(
    engine: EngineDep,
    calendar: cal.Calendar,
    first: date | None,
    days: int,
    draft: cal.Schedule | None,
) -> Preview:
    """The calendar's free slots on `days` local days from `first` (default: its today),
    under its hours or a `draft` of them."""
    schedule = cal.checked(engine.settings, draft) if draft is not None else None
    async for attempt in engine.attempts():
        async with attempt as uow:
            start = first or calendar.today(uow.now)
            last = min(start + timedelta(days=days - 1), LAST_DAY)
            free = await free_slots_between(uow, calendar, start, last, schedule)
    by_day: dict[date, list[PreviewSlot]] = {
        start + timedelta(days=n): [] for n in range((last - start).days + 1)
    }
    zone = calendar.zone
    for slot in free:
        by_day.setdefault(slot.local_start.date(), []).append(
            PreviewSlot(
                start_at=slot.start.astimezone(zone),
                start_time=slot.local_start.time().isoformat("minutes"),
                end_time=slot.end.astimezone(zone).time().isoformat("minutes"),
            )
        )
    return Preview(
        calendar_id=calendar.id,
        timezone=calendar.timezone,
        days=[PreviewDay(date=d, slots=s) for d, s in sorted(by_day.items())],
    )
