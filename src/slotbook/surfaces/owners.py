"""Surface 001 — calendar owners with daily working hours (`/api/v1`)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, EmailStr

from slotbook.accounts import permissions
from slotbook.availability.free_slots import free_slots_between
from slotbook.booking.claims import claim_time
from slotbook.booking.model import BookingStatus, Source
from slotbook.calendars import calendars as cal
from slotbook.calendars.model import CalendarKind
from slotbook.calendars.settings import change_settings
from slotbook.engine import UnitOfWork
from slotbook.errors import CalendarNotFound, OutsideHours, PastDate
from slotbook.protection.rate_limits import Rule
from slotbook.store.booking_reads import list_bookings
from slotbook.surfaces.auth import StrictUser
from slotbook.surfaces.deps import EngineDep, IdempotencyHeader, per_address
from slotbook.surfaces.errors import ErrorStyle, surface_route
from slotbook.surfaces.fields import Day, Days, HourOfDay, Minutes, Name, OwnerKey
from slotbook.surfaces.shared import Reply, answer_once

KIND = CalendarKind.OWNER
STYLE = ErrorStyle(
    overrides={
        "calendar_not_found": (404, "User Not Found"),
        "slot_taken": (409, "Slot already booked"),
        "outside_hours": (400, "Invalid time"),
        "in_past": (422, "Cannot book an appointment in the past"),
        "too_soon": (422, None),
        "beyond_horizon": (422, None),
    }
)
router = APIRouter(prefix="/api/v1", tags=["001 calendar owners"], route_class=surface_route(STYLE))


class AvailabilityIn(BaseModel):
    calendar_owner_id: OwnerKey
    start_time: HourOfDay
    end_time: HourOfDay
    timezone: str | None = None
    min_notice_minutes: Minutes | None = None
    horizon_days: Days | None = None
    change_cutoff_minutes: Minutes | None = None


class AppointmentIn(BaseModel):
    calendar_owner_id: OwnerKey
    invitee_name: Name
    invitee_email: EmailStr
    date: Day
    slot_start_time: HourOfDay


class AppointmentOut(BaseModel):
    id: int
    invitee_name: str | None
    invitee_email: str | None
    date: date
    start_time: str
    end_time: str
    status: str


async def _owner_calendar(uow: UnitOfWork, owner_key: str) -> cal.Calendar:
    calendar = await cal.find_calendar(uow, kind=KIND, owner_key=owner_key)
    if calendar is None:
        raise CalendarNotFound()
    return calendar


@router.post("/availability", summary="Set an owner's daily working hours")
async def set_availability(
    body: AvailabilityIn, engine: EngineDep, user: StrictUser
) -> dict[str, str]:
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
    return {"message": "Availability set successfully"}


@router.get("/slots", summary="Free slot start times of an owner on a date")
async def get_slots(
    engine: EngineDep,
    calendar_owner_id: Annotated[OwnerKey, Query()],
    for_date: Annotated[Day, Query()],
) -> dict[str, list[str]]:
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar = await _owner_calendar(uow, calendar_owner_id)
            if for_date < calendar.today(uow.now):
                raise PastDate("Cannot retrieve slots for a past date")
            free = await free_slots_between(uow, calendar, for_date, for_date)
    return {"available_slots": [s.local_start.strftime("%H:%M") for s in free]}


@router.post(
    "/appointments",
    summary="Book an appointment with an owner",
    dependencies=[per_address(Rule.BOOKINGS_PER_ADDRESS)],
)
async def book_appointment(
    body: AppointmentIn, engine: EngineDep, idempotency_key: IdempotencyHeader = None
) -> dict[str, object]:
    async def book(uow: UnitOfWork) -> Reply:
        calendar = await _owner_calendar(uow, body.calendar_owner_id)
        start_at = calendar.at(body.date, body.slot_start_time)
        if start_at is None:  # a wall time that DST skips
            raise OutsideHours()
        made = await claim_time(
            uow,
            calendar=calendar,
            start_at=start_at,
            source=Source.OWNERS,
            name=body.invitee_name,
            email=str(body.invitee_email),
        )
        return Reply(
            200,
            {
                "message": "Appointment booked"
                if made.booking.status == BookingStatus.CONFIRMED
                else "Appointment requested: pending the owner's approval",
                "appointment_id": made.booking.id,
                "status": made.booking.status,
                "booking_token": made.token,
            },
        )

    request = body.model_dump(mode="json")
    reply = await answer_once(
        engine, idempotency_key, book, scope="owners.appointments", request=request
    )
    return reply.body


@router.get("/appointments", summary="An owner's upcoming appointments")
async def list_appointments(
    engine: EngineDep, user: StrictUser, calendar_owner_id: Annotated[OwnerKey, Query()]
) -> list[AppointmentOut]:
    async for attempt in engine.attempts():
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
            start_time=b.start_at.astimezone(zone).strftime("%H:%M"),
            end_time=b.end_at.astimezone(zone).strftime("%H:%M"),
            status=b.status,
        )
        for b in upcoming
        if b.end_at > uow.now
    ]
