"""Events: calendars whose bookable time is a list of explicit slots with seats."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from slotbook.booking import transitions
from slotbook.booking.model import SeatSlot
from slotbook.calendars.calendars import create_calendar, get_calendar, list_calendars
from slotbook.calendars.model import Calendar, CalendarKind
from slotbook.engine import UnitOfWork
from slotbook.errors import CalendarNotFound, EventNotFound, InvalidInput, PastDate
from slotbook.store.bookings.booking_reads import seat_slots_of

KIND = CalendarKind.EVENT


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """A slot asked for: wall times on the event's date, and its number of seats."""

    start: time
    end: time
    capacity: int


@dataclass(frozen=True, slots=True)
class Event:
    calendar: Calendar
    slots: list[SeatSlot]


async def create_event(
    uow: UnitOfWork,
    *,
    name: str,
    event_date: date,
    description: str | None,
    slot_specs: list[SlotSpec],
    timezone: str | None = None,
    change_cutoff_minutes: int = 0,
    max_seats_per_booking: int = 10,
    user_id: int | None = None,
) -> Event:
    """Create an event on `event_date` (in its zone) with the given slots, owned by the
    user `user_id` (if any)."""
    calendar = await create_calendar(
        uow,
        kind=KIND,
        name=name,
        description=description,
        event_date=event_date,
        timezone=timezone,
        change_cutoff_minutes=change_cutoff_minutes,
        max_seats_per_booking=max_seats_per_booking,
        user_id=user_id,
    )
    if event_date < calendar.today(uow.now):
        raise PastDate("event_date is in the past")
    rows = []
    for number, spec in enumerate(slot_specs):
        if spec.capacity <= 0:
            raise InvalidInput(f"time_slots.{number}: max_capacity must be greater than 0")
        if spec.end <= spec.start:
            raise InvalidInput(f"time_slots.{number}: end_time must be after start_time")
        wall_length = datetime.combine(event_date, spec.end) - datetime.combine(
            event_date, spec.start
        )
        start_at = calendar.at(event_date, spec.start, wall_length)
        end_at = calendar.at(event_date, spec.end, timedelta(0))  # a moment: its first occurrence
        if start_at is None or end_at is None:
            raise InvalidInput(
                f"time_slots.{number}: that time does not exist on {event_date} "
                f"in {calendar.timezone}"
            )
        rows.append(
            {
                "calendar_id": calendar.id,
                "start_at": start_at,
                "end_at": end_at,
                "capacity": spec.capacity,
                "taken": 0,
            }
        )
    created = await transitions.add_seat_slots(uow, calendar, rows)
    return Event(calendar, sorted(created, key=_slot_order))


def _slot_order(slot: SeatSlot) -> tuple[object, ...]:
    return (slot.start_at, slot.end_at, slot.id)


async def get_event(uow: UnitOfWork, event_id: int) -> Event:
    try:
        calendar = await get_calendar(uow, event_id, kind=KIND)
    except CalendarNotFound as exc:
        raise EventNotFound() from exc
    return Event(calendar, (await seat_slots_of(uow, [calendar.id]))[calendar.id])


async def list_events(uow: UnitOfWork, *, limit: int, offset: int) -> list[Event]:
    """Events, oldest first, each with its slots."""
    calendars = await list_calendars(uow, kind=KIND, limit=limit, offset=offset)
    by_event = await seat_slots_of(uow, [c.id for c in calendars])
    return [Event(c, by_event[c.id]) for c in calendars]
