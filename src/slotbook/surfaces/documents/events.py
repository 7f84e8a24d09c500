"""Surface 003 — events with seat-limited time slots (`/api/v1`)."""

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from slotbook.accounts import permissions
from slotbook.booking.model import SeatSlot
from slotbook.calendars import events as ev
from slotbook.calendars.calendars import Calendar
from slotbook.errors import EventNotFound, InvalidInput, PastDate
from slotbook.surfaces.http.auth import StrictUser
from slotbook.surfaces.http.deps import EngineDep
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import (
    Count,
    Day,
    EventId,
    Limit,
    Minutes,
    Name,
    Offset,
    SeatsPerBooking,
    Text,
    WallTime,
)
from slotbook.surfaces.http.replies import examples

STYLE = ErrorStyle()
MAX_SLOTS = 500
MAX_CAPACITY = 1_000_000
router = APIRouter(prefix="/api/v1", tags=["003 events"], route_class=surface_route(STYLE))


class TimeSlotIn(BaseModel):
    start_time: WallTime
    end_time: WallTime
    max_capacity: Count = Field(gt=0, le=MAX_CAPACITY)


class EventIn(BaseModel):
    model_config = examples(
        {
            "name": "Tech Conference",
            "event_date": "2031-01-20",
            "description": "Annual technology conference",
            "time_slots": [
                {"start_time": "09:00", "end_time": "10:00", "max_capacity": 50},
                {"start_time": "10:30", "end_time": "11:30", "max_capacity": 30},
            ],
        }
    )

    name: Name
    event_date: Day
    description: Text | None = None
    timezone: str | None = None
    change_cutoff_minutes: Minutes = 0
    max_seats_per_booking: SeatsPerBooking = 10
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
            start_time=start.time().isoformat("seconds"),
            end_time=end.time().isoformat("seconds"),
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
    max_seats_per_booking: int
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
            max_seats_per_booking=calendar.max_seats_per_booking,
            time_slots=[TimeSlotOut.of(s, calendar) for s in event.slots],
        )


@router.post(
    "/events",
    status_code=201,
    summary="Create an event with its time slots",
    responses=STYLE.responses(
        PastDate("event_date is in the past"),
        InvalidInput("time_slots.1: end_time must be after start_time"),
    ),
)
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
                max_seats_per_booking=body.max_seats_per_booking,
                slot_specs=[
                    ev.SlotSpec(s.start_time, s.end_time, s.max_capacity) for s in body.time_slots
                ],
                user_id=await permissions.owner_of_new_calendar(uow, user),
            )
    return EventOut.of(event)


@router.get("/events", summary="Events, paged")
async def list_events(engine: EngineDep, limit: Limit = 50, offset: Offset = 0) -> list[EventOut]:
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            found = await ev.list_events(uow, limit=limit, offset=offset)
    return [EventOut.of(e) for e in found]


@router.get(
    "/events/{event_id}",
    summary="One event with its time slots",
    responses=STYLE.responses(EventNotFound),
)
async def show_event(event_id: EventId, engine: EngineDep) -> EventOut:
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            event = await ev.get_event(uow, event_id)
    return EventOut.of(event)


@router.get(
    "/events/{event_id}/slots",
    summary="An event's time slots with live seat counts",
    responses=STYLE.responses(EventNotFound),
)
async def event_slots(event_id: EventId, engine: EngineDep) -> list[TimeSlotOut]:
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            event = await ev.get_event(uow, event_id)
    return EventOut.of(event).time_slots
