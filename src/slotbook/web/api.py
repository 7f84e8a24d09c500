"""JSON the booking pages need that no documented surface gives (`/api/v1/calendars`).

Any calendar by its id: its zone and kind, its free slots for one day of the visitor's
time zone, and booking one of them with a name and an email.
"""

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, EmailStr

from slotbook.accounts import permissions
from slotbook.availability.free_slots import free_slots_between
from slotbook.booking.claims import claim_time
from slotbook.booking.model import Source
from slotbook.calendars import calendars as cal
from slotbook.calendars.model import CalendarKind
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    CalendarNotFound,
    InvalidInput,
    PatientsOnly,
)
from slotbook.scheduling import local_day_bounds
from slotbook.surfaces.http import fields
from slotbook.surfaces.http.deps import IDEMPOTENCY_KEY_DOCUMENTED, BookingAttemptDep, EngineDep
from slotbook.surfaces.http.errors import TIME_CLAIM_ERRORS, ErrorStyle, surface_route
from slotbook.surfaces.http.fields import Id, Name, check_supported_moment, parse_moment
from slotbook.surfaces.http.replies import ManagedBookingOut
from slotbook.surfaces.http.shared import Reply, answer_once, booking_out

STYLE = ErrorStyle()
router = APIRouter(
    prefix="/api/v1/calendars", tags=["booking pages"], route_class=surface_route(STYLE)
)


class CalendarOut(BaseModel):
    id: int
    kind: str
    name: str
    timezone: str
    slot_minutes: int
    event_date: date | None
    today: date
    now: datetime

    @classmethod
    def of(cls, calendar: cal.Calendar, now: datetime) -> "CalendarOut":
        return cls(
            id=calendar.id,
            kind=calendar.kind,
            name=calendar.name,
            timezone=calendar.timezone,
            slot_minutes=calendar.slot_minutes,
            event_date=calendar.event_date,
            today=calendar.today(now),
            now=now,
        )


class FreeSlot(BaseModel):
    start_at: datetime
    end_at: datetime
    date: date
    start_time: str
    end_time: str


#: `date` as a type where a field is named `date`
Day = date


class DaySlots(BaseModel):
    """The free slots starting on `date` in `visitor_timezone`, and which local days of
    the calendar that day spans (what a live subscriber follows). When none is free, the
    next day of the visitor's zone that has a free slot (within the longest window),
    if any."""

    calendar_id: int
    timezone: str
    visitor_timezone: str
    date: Day
    calendar_dates: list[Day]
    slots: list[FreeSlot]
    next_free_date: Day | None = None


class PageBookingIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"start_at": "2031-01-20T09:00:00+00:00", "name": "Ada", "email": "ada@example.com"}
            ]
        }
    )

    start_at: Annotated[
        AwareDatetime, BeforeValidator(parse_moment), AfterValidator(check_supported_moment)
    ]
    name: Name
    email: EmailStr


#: a calendar these pages may not show: a 004 provider's, booked by signed-in patients only
NOT_SHOWN = PatientsOnly(permissions.NOT_SHOWN_WITHOUT_SIGN_IN)


async def shown_calendar(uow: UnitOfWork, calendar_id: int) -> cal.Calendar:
    """A calendar these pages may show: anyone may book it (no one signs in here)."""
    calendar = await cal.get_calendar(uow, calendar_id)
    permissions.check_shown_without_sign_in(calendar)
    return calendar


async def time_calendar(uow: UnitOfWork, calendar_id: int) -> cal.Calendar:
    """A calendar booked by time (not an event, whose seats are booked by time slot)."""
    calendar = await shown_calendar(uow, calendar_id)
    if calendar.kind == CalendarKind.EVENT:
        raise InvalidInput(
            f"Calendar {calendar_id} is an event: book one of its time slots "
            "(POST /api/v1/bookings with time_slot_id)"
        )
    return calendar


@router.get(
    "/{calendar_id}",
    summary="A calendar's name, kind, zone and today",
    responses=STYLE.responses(CalendarNotFound, NOT_SHOWN),
)
async def show_calendar(calendar_id: Id, engine: EngineDep) -> CalendarOut:
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            shown = CalendarOut.of(await shown_calendar(uow, calendar_id), uow.now)
    return shown


@router.get(
    "/{calendar_id}/slots",
    summary="Free slots of one day in the visitor's zone",
    responses=STYLE.responses(
        CalendarNotFound, NOT_SHOWN, InvalidInput("unknown IANA time zone 'Mars/Base'")
    ),
)
async def day_slots(
    calendar_id: Id,
    engine: EngineDep,
    day: Annotated[fields.Day, Query(alias="date", description="in `tz`")],
    tz: str | None = Query(None, description="The visitor's IANA zone (default: the calendar's)"),
) -> DaySlots:
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            calendar = await time_calendar(uow, calendar_id)
            zone = ZoneInfo(cal.check_zone(tz)) if tz else calendar.zone
            start, end = local_day_bounds(zone, day)
            first, last = (
                calendar.local_day(start),
                calendar.local_day(end - timedelta(microseconds=1)),
            )
            free = [
                s for s in await free_slots_between(uow, calendar, first, last) if s.start >= start
            ]
            later = (
                None if any(s.start < end for s in free) else await _next_free(uow, calendar, end)
            )
    local = calendar.zone
    return DaySlots(
        calendar_id=calendar.id,
        timezone=calendar.timezone,
        visitor_timezone=str(zone),
        date=day,
        calendar_dates=[first + timedelta(days=n) for n in range((last - first).days + 1)],
        slots=[
            FreeSlot(
                start_at=s.start.astimezone(local),
                end_at=s.end.astimezone(local),
                date=s.local_start.date(),
                start_time=s.local_start.time().isoformat("minutes"),
                end_time=s.end.astimezone(local).time().isoformat("minutes"),
            )
            for s in free
            if s.start < end
        ],
        next_free_date=later.astimezone(zone).date() if later else None,
    )


async def _next_free(uow: UnitOfWork, calendar: cal.Calendar, after: datetime) -> datetime | None:
    """The start of the first free slot from `after` on, looking as far as one slot
    listing may (`max_window_days`)."""
    first = calendar.local_day(after)
    last = min(first + timedelta(days=uow.settings.max_window_days - 1), fields.LAST_DAY)
    return next(
        (s.start for s in await free_slots_between(uow, calendar, first, last) if s.start >= after),
        None,
    )


@router.post(
    "/{calendar_id}/bookings",
    status_code=201,
    summary="Book a free slot by its start",
    response_model=ManagedBookingOut,
    responses=STYLE.responses(CalendarNotFound, NOT_SHOWN, *TIME_CLAIM_ERRORS),
    openapi_extra=IDEMPOTENCY_KEY_DOCUMENTED,
)
async def book(attempt: BookingAttemptDep, calendar_id: Id, body: PageBookingIn) -> dict[str, Any]:
    async def claim(uow: UnitOfWork) -> Reply:
        calendar = await time_calendar(uow, calendar_id)
        made = await claim_time(
            uow,
            calendar=calendar,
            start_at=body.start_at,
            source=Source.WEB,
            name=body.name,
            email=str(body.email),
        )
        return Reply(201, booking_out(made.booking, calendar, made.token, uow.now))

    request = {"calendar_id": calendar_id} | body.model_dump(mode="json")
    reply = await answer_once(
        attempt.engine, attempt.idempotency_key, claim, scope="web.bookings", request=request
    )
    return reply.body
