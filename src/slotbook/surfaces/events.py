"""Surface 003 — events with seat-limited time slots (`/api/v1`)."""

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, EmailStr, Field, ValidationError

from slotbook.services import events as ev
from slotbook.services import permissions
from slotbook.services.calendars import Calendar
from slotbook.services.engine import Engine, UnitOfWork
from slotbook.services.idempotency import IdempotencyKey, Reply, idempotent
from slotbook.services.seats import SeatSlot, claim_seat
from slotbook.surfaces.auth import StrictUser
from slotbook.surfaces.deps import EngineDep
from slotbook.surfaces.errors import ErrorStyle, surface_route
from slotbook.surfaces.fields import Id, Limit, Minutes, Name, Offset, Text, WallTime
from slotbook.surfaces.manage import booking_out

STYLE = ErrorStyle()
MAX_SLOTS = 500
MAX_CAPACITY = 1_000_000
router = APIRouter(prefix="/api/v1", tags=["003 events"], route_class=surface_route(STYLE))


class TimeSlotIn(BaseModel):
    start_time: WallTime
    end_time: WallTime
    max_capacity: int = Field(gt=0, le=MAX_CAPACITY)


class EventIn(BaseModel):
    name: Name
    event_date: date
    description: Text | None = None
    timezone: str | None = None
    change_cutoff_minutes: Minutes = 0
    time_slots: list[TimeSlotIn] = Field(min_length=1, max_length=MAX_SLOTS)


class TimeSlotOut(BaseModel):
    id: int
    event_id: int
    start_time: str
    end_time: str
    max_capacity: int
    current_bookings: int
    available_spots: int
    start_at: str
    end_at: str

    @classmethod
    def of(cls, slot: SeatSlot, calendar: Calendar) -> "TimeSlotOut":
        start, end = slot.start_at.astimezone(calendar.zone), slot.end_at.astimezone(calendar.zone)
        return cls(
            id=slot.id,
            event_id=slot.calendar_id,
            start_time=start.strftime("%H:%M:%S"),
            end_time=end.strftime("%H:%M:%S"),
            max_capacity=slot.capacity,
            current_bookings=slot.taken,
            available_spots=slot.available,
            start_at=start.isoformat(),
            end_at=end.isoformat(),
        )


class EventOut(BaseModel):
    id: int
    name: str
    event_date: date
    description: str | None
    timezone: str
    change_cutoff_minutes: int
    time_slots: list[TimeSlotOut]

    @classmethod
    def of(cls, event: ev.Event) -> "EventOut":
        calendar = event.calendar
        assert calendar.event_date is not None  # every event has its date
        return cls(
            id=calendar.id,
            name=calendar.name,
            event_date=calendar.event_date,
            description=calendar.description,
            timezone=calendar.timezone,
            change_cutoff_minutes=calendar.change_cutoff_minutes,
            time_slots=[TimeSlotOut.of(s, calendar) for s in event.slots],
        )


class SeatBookingIn(BaseModel):
    attendee_name: Name
    time_slot_id: Id
    email: EmailStr | None = None


@router.post("/events", status_code=201, summary="Create an event with its time slots")
async def create_event(body: EventIn, engine: EngineDep, user: StrictUser) -> EventOut:
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            event = await ev.create_event(
                uow,
                name=body.name,
                event_date=body.event_date,
                description=body.description,
                timezone=body.timezone,
                change_cutoff_minutes=body.change_cutoff_minutes,
                slot_specs=[
                    ev.SlotSpec(s.start_time, s.end_time, s.max_capacity) for s in body.time_slots
                ],
                user_id=await permissions.owner_of_new_calendar(uow, user),
            )
    return EventOut.of(event)


@router.get("/events", summary="Events, paged")
async def list_events(engine: EngineDep, limit: Limit = 50, offset: Offset = 0) -> list[EventOut]:
    async for attempt in engine.attempts():
        async with attempt as uow:
            found = await ev.list_events(uow, limit=limit, offset=offset)
    return [EventOut.of(e) for e in found]


@router.get("/events/{event_id}", summary="One event with its time slots")
async def show_event(event_id: Id, engine: EngineDep) -> EventOut:
    async for attempt in engine.attempts():
        async with attempt as uow:
            event = await ev.get_event(uow, event_id)
    return EventOut.of(event)


@router.get("/events/{event_id}/slots", summary="An event's time slots with live seat counts")
async def event_slots(event_id: Id, engine: EngineDep) -> list[TimeSlotOut]:
    async for attempt in engine.attempts():
        async with attempt as uow:
            event = await ev.get_event(uow, event_id)
    return EventOut.of(event).time_slots


async def book_seat(engine: Engine, body: dict[str, Any], idempotency_key: str | None) -> Reply:
    """POST /api/v1/bookings with surface 003's body: {attendee_name, time_slot_id, email?}."""
    try:
        seat = SeatBookingIn.model_validate(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc

    async def book(uow: UnitOfWork) -> Reply:
        made, calendar = await claim_seat(
            uow,
            slot_id=seat.time_slot_id,
            name=seat.attendee_name,
            email=str(seat.email) if seat.email else None,
            source="events",
        )
        return Reply(201, booking_out(made.booking, calendar, made.token, uow.now))

    key = IdempotencyKey.of(
        idempotency_key, scope="events.bookings", request=seat.model_dump(mode="json")
    )
    return await idempotent(engine, key, book, single_write=True)
