"""`POST /api/v1/bookings`, shared by surfaces 002 (provider time) and 003 (event seats).

Which one a client means is told by the fields present (`time_slot_id` or
`attendee_name`: an event seat); each answers in its own documented shape and error style.
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, EmailStr, Field, ValidationError, model_validator

from slotbook.booking.claims import claim_time
from slotbook.booking.model import Source
from slotbook.booking.seats import claim_seat
from slotbook.calendars import calendars as cal
from slotbook.calendars.model import CalendarKind
from slotbook.engine import Engine, UnitOfWork
from slotbook.errors import InvalidInput
from slotbook.protection.rate_limits import Rule
from slotbook.surfaces.deps import EngineDep, IdempotencyHeader, per_address
from slotbook.surfaces.errors import DEFAULT_STYLE, surface_route, use_style
from slotbook.surfaces.fields import Id, Name, parse_clock, parse_day, parse_id
from slotbook.surfaces.shared import (
    PROVIDER_STYLE,
    Reply,
    answer_once,
    booking_out,
    provider_booking_out,
)

SEAT_FIELDS = ("time_slot_id", "attendee_name")
PROVIDER_FIELDS = ("provider_id", "date", "time")

router = APIRouter(
    prefix="/api/v1",
    tags=["002 providers", "003 events"],
    route_class=surface_route(PROVIDER_STYLE),
)


Seats = Annotated[int, Field(ge=1, le=1_000_000)]


class SeatBookingIn(BaseModel):
    """`seats` (also read as `number_of_seats`, default 1): places taken, all or none."""

    attendee_name: Name
    time_slot_id: Id
    email: EmailStr | None = None
    seats: Seats | None = None
    number_of_seats: Seats | None = None

    @model_validator(mode="after")
    def _one_seat_count(self) -> "SeatBookingIn":
        if None not in (self.seats, self.number_of_seats) and self.seats != self.number_of_seats:
            raise ValueError("seats and number_of_seats disagree: give one of them")
        return self

    @property
    def places(self) -> int:
        return self.seats or self.number_of_seats or 1


@router.post(
    "/bookings",
    status_code=201,
    summary="Book provider time {provider_id, date, time} or an event seat "
    "{attendee_name, time_slot_id, email?}",
    dependencies=[per_address(Rule.BOOKINGS_PER_ADDRESS)],
)
async def create_booking(
    request: Request,
    engine: EngineDep,
    body: Any = Body(...),
    idempotency_key: IdempotencyHeader = None,
) -> JSONResponse:
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object")
    if any(field in body for field in SEAT_FIELDS):
        use_style(request, DEFAULT_STYLE)  # surface 003's
        reply = await book_seat(engine, body, idempotency_key)
    else:
        reply = await book_provider_time(engine, body, idempotency_key)
    return JSONResponse(reply.body, status_code=reply.status)


def _required(body: dict[str, Any]) -> None:
    missing = [f for f in PROVIDER_FIELDS if body.get(f) in (None, "")]
    if missing:
        raise InvalidInput(f"Missing required fields: {', '.join(missing)}")


def _parse_date(value: Any) -> date:
    """`YYYY-MM-DD` exactly, a supported date; InvalidInput otherwise."""
    try:
        return parse_day(value)
    except ValueError as exc:
        raise InvalidInput(f"Invalid date: {exc}") from exc


async def book_provider_time(
    engine: Engine, body: dict[str, Any], idempotency_key: str | None
) -> Reply:
    """Surface 002's body: {provider_id, date, time}."""
    _required(body)
    try:
        provider_id = parse_id(body["provider_id"])
    except ValueError as exc:
        raise InvalidInput("Invalid provider_id") from exc
    day = _parse_date(body["date"])
    wall = parse_clock(body["time"])

    async def book(uow: UnitOfWork) -> Reply:
        calendar = await cal.get_calendar(uow, provider_id, kind=CalendarKind.PROVIDER)
        start_at = calendar.at(day, wall)
        if start_at is None:
            raise InvalidInput(f"{body['time']} does not exist on {day} in {calendar.timezone}")
        made = await claim_time(uow, calendar=calendar, start_at=start_at, source=Source.PROVIDERS)
        return Reply(
            201, provider_booking_out(made.booking, calendar) | {"booking_token": made.token}
        )

    request = {"provider_id": provider_id, "date": day, "time": wall}
    return await answer_once(
        engine, idempotency_key, book, scope="providers.bookings", request=request
    )


async def book_seat(engine: Engine, body: dict[str, Any], idempotency_key: str | None) -> Reply:
    """Surface 003's body: {attendee_name, time_slot_id, email?}."""
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
            source=Source.EVENTS,
            seats=seat.places,
        )
        return Reply(201, booking_out(made.booking, calendar, made.token, uow.now))

    request = seat.model_dump(mode="json")
    return await answer_once(
        engine, idempotency_key, book, scope="events.bookings", request=request
    )
