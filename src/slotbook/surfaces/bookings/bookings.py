"""`POST /api/v1/bookings`, shared by surfaces 002 (provider time) and 003 (event seats).

Which one a client means is told by the fields present (`time_slot_id` or
`attendee_name`: an event seat); each answers in its own documented shape and error style.
"""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, EmailStr, Field, ValidationError, model_validator

from slotbook.booking.claims import claim_kept_time, claim_time
from slotbook.booking.model import NewBooking, Source
from slotbook.booking.seats import SeatRequest, claim_seat, claim_seat_at_once
from slotbook.calendars import calendars as cal
from slotbook.calendars.model import Calendar, CalendarKind
from slotbook.engine import Engine, UnitOfWork
from slotbook.errors import (
    CalendarNotFound,
    InPast,
    InvalidInput,
    PatientsOnly,
    SlotFull,
    SlotNotFound,
)
from slotbook.surfaces.http.deps import IDEMPOTENCY_KEY_DOCUMENTED, BookingAttemptDep
from slotbook.surfaces.http.errors import (
    DEFAULT_STYLE,
    STORE_ERRORS,
    TIME_CLAIM_ERRORS,
    merge_responses,
    surface_route,
    use_style,
)
from slotbook.surfaces.http.fields import Name, TimeSlotId, parse_clock, parse_day, parse_id
from slotbook.surfaces.http.openapi import documented_body
from slotbook.surfaces.http.replies import JsonAnswer, examples
from slotbook.surfaces.http.shared import (
    PROVIDER_STYLE,
    Reply,
    answer_once,
    booking_out,
    provider_booking_out,
)
from slotbook.surfaces.http.validation import NOT_JSON

SEAT_FIELDS = ("time_slot_id", "attendee_name")
PROVIDER_FIELDS = ("provider_id", "date", "time")

router = APIRouter(
    prefix="/api/v1",
    tags=["002 providers", "003 events"],
    route_class=surface_route(PROVIDER_STYLE),
)


Seats = Annotated[int, Field(ge=1, le=1_000_000)]


class SeatBookingIn(BaseModel):
    """Surface 003's booking: a seat of an event's time slot. `seats` (also read as
    `number_of_seats`, default 1): places taken, all or none."""

    model_config = examples(
        {"attendee_name": "Ada Lovelace", "time_slot_id": 1, "email": "ada@example.com"}
    )

    attendee_name: Name
    time_slot_id: TimeSlotId
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


class ProviderBookingIn(BaseModel):
    """Surface 002's booking: provider time from `date` `time` for the provider's slot
    length. Read by hand, so that missing fields are named in one 400."""

    model_config = examples({"provider_id": 1, "date": "2031-01-20", "time": "14:00"})

    provider_id: int | str = Field(description="The provider's id (a number or digits)")
    date: str = Field(description="YYYY-MM-DD", examples=["2031-01-20"])
    time: str = Field(description="HH:MM (or HH:MM:SS), in the provider's zone")


#: the two bodies this path reads: a seat booking has `time_slot_id` or `attendee_name`
BookingIn = ProviderBookingIn | SeatBookingIn

CREATED: dict[str, Any] = {
    "description": "The booking, in the shape of the surface whose body was sent, with its "
    "`booking_token` (shown once)",
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": "#/components/schemas/ProviderBookingOut"},
                    {"$ref": "#/components/schemas/ManagedBookingOut"},
                ]
            }
        }
    },
}


def either_shape(*responses: dict[int | str, Any]) -> dict[int | str, Any]:
    """Errors of both surfaces: each status's body is one shape or the other."""
    merged = merge_responses(*responses)
    either = {
        "anyOf": [
            {"$ref": "#/components/schemas/ProvidersError"},
            {"$ref": "#/components/schemas/Error"},
        ]
    }
    for answer in merged.values():
        answer.pop("model", None)
        answer.setdefault("content", {}).setdefault("application/json", {})["schema"] = either
    return merged


@router.post(
    "/bookings",
    status_code=201,
    summary="Book provider time {provider_id, date, time} or an event seat "
    "{attendee_name, time_slot_id, email?}",
    description="A body with `time_slot_id` or `attendee_name` books an event seat (surface "
    "003: errors `{detail, code}`, malformed input 422); any other body books provider time "
    "(surface 002: errors `{error, code}`, malformed input 400). Honours `Idempotency-Key`.",
    response_model=None,
    responses={
        201: CREATED,
        **either_shape(
            PROVIDER_STYLE.responses(
                InvalidInput("Missing required fields: provider_id, date, time"),
                CalendarNotFound,
                PatientsOnly,
                *TIME_CLAIM_ERRORS,
                *STORE_ERRORS,
            ),
            DEFAULT_STYLE.responses(
                SlotNotFound, SlotFull, InPast("Time slot has already started"), *STORE_ERRORS
            ),
            DEFAULT_STYLE.validation_response(),
        ),
    },
    openapi_extra=IDEMPOTENCY_KEY_DOCUMENTED
    | documented_body(
        BookingIn,
        name="BookingIn",
        examples={
            "provider time (002)": {
                "value": {"provider_id": 1, "date": "2031-01-20", "time": "14:00"}
            },
            "event seat (003)": {
                "value": {"attendee_name": "Ada", "time_slot_id": 1, "email": "ada@example.com"}
            },
        },
    ),
)
async def create_booking(
    request: Request, attempt: BookingAttemptDep, body: Any = Body(...)
) -> JsonAnswer:
    engine, idempotency_key = attempt.engine, attempt.idempotency_key
    if not isinstance(body, dict):
        raise InvalidInput(NOT_JSON)
    if any(field in body for field in SEAT_FIELDS):
        use_style(request, DEFAULT_STYLE)  # surface 003's
        reply = await book_seat(engine, body, idempotency_key)
    else:
        reply = await book_provider_time(engine, body, idempotency_key)
    return JsonAnswer(reply.body, status_code=reply.status)


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
    except ValueError as exc:  # not an id at all: no such provider (CONTRACTS: ids are opaque)
        raise CalendarNotFound() from exc
    day = _parse_date(body["date"])
    wall = parse_clock(body["time"])

    def start_in(calendar: Calendar, _now: datetime) -> datetime:
        start_at = calendar.at(day, wall)
        if start_at is None:
            raise InvalidInput(f"{body['time']} does not exist on {day} in {calendar.timezone}")
        return start_at

    def booked(made: NewBooking, calendar: Calendar) -> Reply:
        return Reply(
            201, provider_booking_out(made.booking, calendar) | {"booking_token": made.token}
        )

    if idempotency_key is None:
        calendar = engine.kept.get(CalendarKind.PROVIDER, calendar_id=provider_id)
        express = await claim_kept_time(engine, calendar, start_in, source=Source.PROVIDERS)
        if express is not None:
            return booked(*express)

    async def book(uow: UnitOfWork) -> Reply:
        calendar = await cal.get_calendar(
            uow, provider_id, kind=CalendarKind.PROVIDER, for_claim=True
        )
        start_at = start_in(calendar, uow.now)
        made = await claim_time(uow, calendar=calendar, start_at=start_at, source=Source.PROVIDERS)
        return booked(made, calendar)

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

    claim = SeatRequest(
        slot_id=seat.time_slot_id,
        name=seat.attendee_name,
        email=str(seat.email) if seat.email else None,
        source=Source.EVENTS,
        seats=seat.places,
    )
    if idempotency_key is None and (at_once := await claim_seat_at_once(engine, claim)):
        made, calendar = at_once
        return Reply(201, booking_out(made.booking, calendar, made.token, made.booking.created_at))

    async def book(uow: UnitOfWork) -> Reply:
        made, calendar = await claim_seat(uow, claim)
        return Reply(201, booking_out(made.booking, calendar, made.token, uow.now))

    request = seat.model_dump(mode="json")
    return await answer_once(
        engine, idempotency_key, book, scope="events.bookings", request=request
    )
