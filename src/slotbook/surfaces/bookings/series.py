"""Recurring bookings (`/api/v1/calendars/{id}/series`, `/api/v1/series/{token}`).

A series books every occurrence of an RFC 5545 rule subset on a calendar, all or none;
its token reads it, cancels its future occurrences, or cancels one of them. Each
occurrence is an ordinary booking, listed on every surface of its calendar.
"""

from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, EmailStr, Field, StringConstraints

from slotbook.booking import series as use
from slotbook.booking.model import Booking
from slotbook.calendars.model import Calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    BookingNotFound,
    CalendarNotFound,
    CancelCutoff,
    InvalidInput,
    NotChangeable,
    NotFound,
    PatientsOnly,
    SeriesConflict,
)
from slotbook.surfaces.http.deps import (
    IDEMPOTENCY_KEY_DOCUMENTED,
    BookingAttemptDep,
    EngineDep,
    TokenGuessesDep,
)
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import Id, Name, WallMoment
from slotbook.surfaces.http.replies import Answer, JsonAnswer, ManagedBookingOut, examples
from slotbook.surfaces.http.shared import Reply, answer_once, booking_out

STYLE = ErrorStyle()
router = APIRouter(prefix="/api/v1", tags=["series"], route_class=surface_route(STYLE))
#: an unknown or malformed series token, or an occurrence not in the series
NOT_FOUND = STYLE.responses(NotFound("Series not found"), BookingNotFound)
#: the 7th of 8 weekly occurrences falls inside another booking: nothing is booked
SEVENTH_TAKEN = SeriesConflict(
    [
        {
            "start_at": "2031-02-17T09:00:00+01:00",
            "reason": "slot_taken",
            "message": "This time slot is already booked",
        }
    ],
    8,
)

RRule = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class SeriesIn(BaseModel):
    """`start`: the first occurrence's wall time in the calendar's zone
    (`2031-01-06T09:00`); `rrule`: how it repeats (`FREQ=WEEKLY;COUNT=8`)."""

    model_config = examples(
        {
            "start": "2031-01-06T09:00",
            "rrule": "FREQ=WEEKLY;COUNT=8",
            "name": "Ada",
            "email": "ada@example.com",
        }
    )

    start: WallMoment
    rrule: RRule
    name: Name
    email: EmailStr


class OccurrenceOut(Answer):
    """One occurrence: an ordinary booking, at wall times in the calendar's zone."""

    id: int
    start_at: str
    end_at: str
    status: str
    booking_token: str | None = Field(
        None, description="In the creating answer only: this occurrence's own manage token"
    )


class SeriesOut(Answer):
    model_config = examples(
        {
            "id": 7,
            "calendar_id": 3,
            "timezone": "Europe/Berlin",
            "start": "2031-01-06T09:00",
            "rrule": "FREQ=WEEKLY;COUNT=8",
            "name": "Ada",
            "email": "ada@example.com",
            "status": "active",
            "bookings": [
                {
                    "id": 41,
                    "start_at": "2031-01-06T09:00:00+01:00",
                    "end_at": "2031-01-06T10:00:00+01:00",
                    "status": "confirmed",
                }
            ],
        }
    )

    id: int
    calendar_id: int
    timezone: str
    start: str = Field(description="The first occurrence's wall time in the calendar's zone")
    rrule: str
    name: str
    email: str
    status: str
    bookings: list[OccurrenceOut]


class NewSeriesOut(SeriesOut):
    token: str = Field(description="Reads and cancels the series at /api/v1/series/{token}")


def occurrence_out(booking: Booking, calendar: Calendar, token: str | None = None) -> OccurrenceOut:
    zone = calendar.zone
    return OccurrenceOut(
        id=booking.id,
        start_at=booking.start_at.astimezone(zone).isoformat(),
        end_at=booking.end_at.astimezone(zone).isoformat(),
        status=booking.status,
        booking_token=token,
    )


def series_out(series: use.Series) -> SeriesOut:
    row, calendar = series.row, series.calendar
    return SeriesOut(
        id=row.id,
        calendar_id=calendar.id,
        timezone=calendar.timezone,
        start=row.start_local,
        rrule=row.rrule,
        name=row.name,
        email=row.email,
        status=row.status,
        bookings=[occurrence_out(b, calendar) for b in series.bookings],
    )


@router.post(
    "/calendars/{calendar_id}/series",
    status_code=201,
    summary="Book a recurring series: every occurrence, or none (409 listing each conflict)",
    response_model=NewSeriesOut,
    responses=STYLE.responses(
        InvalidInput("rrule: FREQ must be DAILY, WEEKLY or MONTHLY"),
        PatientsOnly,
        CalendarNotFound,
        SEVENTH_TAKEN,
    ),
    openapi_extra=IDEMPOTENCY_KEY_DOCUMENTED,
)
async def create_series(attempt: BookingAttemptDep, calendar_id: Id, body: SeriesIn) -> JsonAnswer:
    async def book(uow: UnitOfWork) -> Reply:
        made = await use.create_series(
            uow,
            calendar_id=calendar_id,
            start=body.start,
            rule=body.rrule,
            name=body.name,
            email=str(body.email),
        )
        calendar = made.series.calendar
        out = NewSeriesOut(
            **series_out(made.series).model_dump(exclude={"bookings"}),
            token=made.token,
            bookings=[occurrence_out(m.booking, calendar, m.token) for m in made.occurrences],
        )
        return Reply(201, out.model_dump(mode="json", exclude_none=True))

    request = body.model_dump(mode="json") | {"calendar_id": calendar_id}
    reply = await answer_once(
        attempt.engine, attempt.idempotency_key, book, scope="series", request=request
    )
    return JsonAnswer(reply.body, status_code=reply.status)


@router.get(
    "/series/{token}",
    summary="A series and its occurrences, by its token",
    responses=NOT_FOUND,
    response_model_exclude_none=True,
)
async def show_series(token: str, engine: EngineDep, guesses: TokenGuessesDep) -> SeriesOut:
    async with guesses.counted():
        async for attempt in engine.attempts():
            async with attempt as uow:
                found = await use.get_series(uow, token)
    return series_out(found)


@router.delete(
    "/series/{token}",
    summary="Cancel every future occurrence (outside the cancel cut-off)",
    responses=NOT_FOUND,
    response_model_exclude_none=True,
)
async def cancel_series(token: str, engine: EngineDep, guesses: TokenGuessesDep) -> SeriesOut:
    async with guesses.counted():
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                cancelled = await use.cancel_series(uow, token)
    return series_out(cancelled)


@router.get(
    "/series/{token}/bookings/{booking_id}",
    summary="One occurrence of the series",
    responses=NOT_FOUND,
)
async def show_occurrence(
    token: str, booking_id: Id, engine: EngineDep, guesses: TokenGuessesDep
) -> ManagedBookingOut:
    async with guesses.counted():
        async for attempt in engine.attempts():
            async with attempt as uow:
                booking, calendar = await use.occurrence_of(uow, token, booking_id)
    return ManagedBookingOut.model_validate(booking_out(booking, calendar, None, uow.now))


@router.delete(
    "/series/{token}/bookings/{booking_id}",
    status_code=204,
    summary="Cancel one occurrence",
    responses=STYLE.responses(
        NotFound("Series not found"),
        BookingNotFound,
        NotChangeable("This booking is cancelled"),
        CancelCutoff,
    ),
)
async def cancel_occurrence(
    token: str, booking_id: Id, engine: EngineDep, guesses: TokenGuessesDep
) -> Response:
    async with guesses.counted():
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                await use.cancel_occurrence(uow, token, booking_id)
    return Response(status_code=204)
