"""Surface 001 — calendar owners with daily working hours (`/api/v1`)."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, EmailStr, Field

from slotbook.accounts import permissions
from slotbook.availability.free_slots import find_for_listing, free_slots_between
from slotbook.booking.claims import claim_kept_time, claim_time
from slotbook.booking.model import BookingStatus, NewBooking, Source
from slotbook.calendars import calendars as cal
from slotbook.calendars.model import CalendarKind
from slotbook.calendars.settings import change_settings
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    BeyondHorizon,
    CalendarNotFound,
    InPast,
    InvalidHours,
    OutsideHours,
    PastDate,
)
from slotbook.settings import Settings
from slotbook.store.bookings.booking_reads import list_bookings
from slotbook.surfaces.http.auth import StrictUser
from slotbook.surfaces.http.deps import (
    IDEMPOTENCY_KEY_DOCUMENTED,
    BookingAttemptDep,
    EngineDep,
    engine_of,
)
from slotbook.surfaces.http.errors import TIME_CLAIM_ERRORS, ErrorStyle, surface_route
from slotbook.surfaces.http.fields import Day, Days, HourOfDay, Minutes, Name, OwnerKey
from slotbook.surfaces.http.query import QueryModel
from slotbook.surfaces.http.replies import Answer, JsonAnswer, MessageOut, examples
from slotbook.surfaces.http.shared import Reply, answer_once

KIND = CalendarKind.OWNER
STYLE = ErrorStyle(
    overrides={
        "calendar_not_found": (404, "User Not Found"),
        "slot_taken": (409, "Slot already booked"),
        "outside_hours": (400, "Invalid time"),
        "off_grid": (400, "Invalid time"),
        "in_past": (422, "Cannot book an appointment in the past"),
        "too_soon": (422, None),
        "beyond_horizon": (422, None),
    }
)
router = APIRouter(prefix="/api/v1", tags=["001 calendar owners"], route_class=surface_route(STYLE))


class OwnerHoursIn(BaseModel):
    """An owner's daily working hours (whole hours; the end hour is not bookable)."""

    model_config = examples(
        {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
    )

    calendar_owner_id: OwnerKey
    start_time: HourOfDay
    end_time: HourOfDay
    timezone: str | None = None
    min_notice_minutes: Minutes | None = None
    horizon_days: Days | None = None
    change_cutoff_minutes: Minutes | None = None


class AppointmentIn(BaseModel):
    model_config = examples(
        {
            "calendar_owner_id": "alice",
            "invitee_name": "Bob",
            "invitee_email": "bob@example.com",
            "date": "2031-01-20",
            "slot_start_time": "10:00",
        }
    )

    calendar_owner_id: OwnerKey
    invitee_name: Name
    invitee_email: EmailStr
    date: Day
    slot_start_time: HourOfDay


class SlotsQuery(BaseModel):
    calendar_owner_id: OwnerKey
    for_date: Day


SLOTS_QUERY = QueryModel(SlotsQuery)


class SlotsOut(BaseModel):
    model_config = examples({"available_slots": ["09:00", "10:00"]})

    available_slots: list[str]


class AppointmentBooked(Answer):
    model_config = examples(
        {"message": "Appointment booked", "appointment_id": 7, "booking_token": "Jq3…"}
    )

    message: str
    appointment_id: int
    booking_token: str = Field(description="Shown once: manage it at /api/v1/bookings/{token}")


class AppointmentOut(BaseModel):
    id: int
    invitee_name: str | None
    invitee_email: str | None
    date: date
    start_time: str
    end_time: str
    status: str


def _today(now: datetime, settings: Settings, calendar: cal.Calendar | None) -> date:
    """Today for the owner's calendar, or in the default zone for an owner who does not
    exist: dates are checked before the owner is looked up, as document 001's own
    service does (a past date is refused even for an unknown owner)."""
    zone = calendar.zone if calendar else ZoneInfo(settings.default_timezone)
    return now.astimezone(zone).date()


def _check_booking_date(
    now: datetime, settings: Settings, day: date, calendar: cal.Calendar | None
) -> None:
    today = _today(now, settings, calendar)
    if day < today:
        raise InPast()
    horizon = calendar.horizon_days if calendar else settings.max_advance_booking_days
    if day > today + timedelta(days=horizon):
        raise BeyondHorizon(f"Bookings can be made at most {horizon} days ahead")


@router.post(
    "/availability",
    summary="Set an owner's daily working hours",
    responses=STYLE.responses(InvalidHours),
)
async def set_availability(body: OwnerHoursIn, engine: EngineDep, user: StrictUser) -> MessageOut:
    cal.check_hours(body.start_time, body.end_time)
    settings = {
        k: v
        for k, v in body.model_dump(
            include={"timezone", "min_notice_minutes", "horizon_days", "change_cutoff_minutes"}
        ).items()
        if v is not None
    }
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            calendar = await cal.find_calendar(uow, kind=KIND, owner_key=body.calendar_owner_id)
            if calendar is None:
                calendar = await cal.create_calendar(
                    uow,
                    kind=KIND,
                    owner_key=body.calendar_owner_id,
                    name=body.calendar_owner_id,
                    user_id=await permissions.owner_of_new_calendar(uow, user),
                    **settings,
                )
            else:
                permissions.check_owner(user, calendar)
                if settings:
                    calendar = await change_settings(uow, calendar.id, settings)
            await cal.set_schedule(uow, calendar, cal.daily(body.start_time, body.end_time))
    return MessageOut(message="Availability set successfully")


@router.get(
    "/slots",
    summary="Free slot start times of an owner on a date",
    response_model=None,  # answered as built, not validated again against its model
    responses={
        200: {"model": SlotsOut, "description": "Successful Response"},
        **STYLE.responses(CalendarNotFound, PastDate("Cannot retrieve slots for a past date")),
    },
    openapi_extra=SLOTS_QUERY.documented,  # read in one validation (`QueryModel`)
)
async def get_slots(request: Request) -> JsonAnswer:
    query = SLOTS_QUERY.read(request)
    calendar_owner_id, for_date = query.calendar_owner_id, query.for_date
    async for attempt in engine_of(request).attempts(read_only=True):
        async with attempt as uow:
            calendar, claimed = await find_for_listing(
                uow, kind=KIND, owner_key=calendar_owner_id, first=for_date, last=for_date
            )
            if for_date < _today(uow.now, uow.settings, calendar):
                raise PastDate("Cannot retrieve slots for a past date")
            if calendar is None:
                raise CalendarNotFound()
            free = await free_slots_between(uow, calendar, for_date, for_date, claimed=claimed)
    return JsonAnswer(
        {"available_slots": [s.local_start.time().isoformat("minutes") for s in free]}
    )


@router.post(
    "/appointments",
    summary="Book an appointment with an owner",
    response_model=None,  # answered as built (`booked`), not validated again against its model
    responses={
        200: {"model": AppointmentBooked, "description": "Successful Response"},
        **STYLE.responses(CalendarNotFound, *TIME_CLAIM_ERRORS),
    },
    openapi_extra=IDEMPOTENCY_KEY_DOCUMENTED,
)
async def book_appointment(attempt: BookingAttemptDep, body: AppointmentIn) -> JsonAnswer:
    engine, idempotency_key = attempt.engine, attempt.idempotency_key

    def start_in(calendar: cal.Calendar, now: datetime) -> datetime:
        _check_booking_date(now, engine.settings, body.date, calendar)
        start_at = calendar.at(body.date, body.slot_start_time)
        if start_at is None:  # a wall time that DST skips
            raise OutsideHours()
        return start_at

    def booked(made: NewBooking) -> dict[str, Any]:
        return {
            "message": "Appointment booked"
            if made.booking.status == BookingStatus.CONFIRMED
            else "Appointment requested: pending the owner's approval",
            "appointment_id": made.booking.id,
            "status": made.booking.status,
            "booking_token": made.token,
        }

    if idempotency_key is None:
        express = await claim_kept_time(
            engine,
            engine.kept.get(KIND, owner_key=body.calendar_owner_id),
            start_in,
            source=Source.OWNERS,
            name=body.invitee_name,
            email=str(body.invitee_email),
        )
        if express is not None:
            return JsonAnswer(booked(express[0]))

    async def book(uow: UnitOfWork) -> Reply:
        calendar = await cal.find_calendar(
            uow, kind=KIND, owner_key=body.calendar_owner_id, for_claim=True
        )
        if calendar is None:
            _check_booking_date(uow.now, uow.settings, body.date, calendar)
            raise CalendarNotFound()
        made = await claim_time(
            uow,
            calendar=calendar,
            start_at=start_in(calendar, uow.now),
            source=Source.OWNERS,
            name=body.invitee_name,
            email=str(body.invitee_email),
        )
        return Reply(200, booked(made))

    request = body.model_dump(mode="json")
    reply = await answer_once(
        engine, idempotency_key, book, scope="owners.appointments", request=request
    )
    return JsonAnswer(reply.body, status_code=reply.status)


@router.get("/appointments", summary="An owner's upcoming appointments")
async def list_appointments(
    engine: EngineDep, user: StrictUser, calendar_owner_id: Annotated[OwnerKey, Query()]
) -> list[AppointmentOut]:
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            calendar = await cal.find_calendar(uow, kind=KIND, owner_key=calendar_owner_id)
            if calendar is None:
                return []
            permissions.check_owner(user, calendar)
            upcoming = await list_bookings(
                uow,
                calendar_ids=[calendar.id],
                start=uow.now - calendar.slot_length,
                active_only=True,
                limit=1000,
            )
            zone = calendar.zone
    return [
        AppointmentOut(
            id=b.id,
            invitee_name=b.name,
            invitee_email=b.email,
            date=b.start_at.astimezone(zone).date(),
            start_time=b.start_at.astimezone(zone).time().isoformat("minutes"),
            end_time=b.end_at.astimezone(zone).time().isoformat("minutes"),
            status=b.status,
        )
        for b in upcoming
        if b.end_at > uow.now
    ]
