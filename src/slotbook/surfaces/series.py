"""Recurring bookings (`/api/v1/calendars/{id}/series`, `/api/v1/series/{token}`).

A series books every occurrence of an RFC 5545 rule subset on a calendar, all or none;
its token reads it, cancels its future occurrences, or cancels one of them. Each
occurrence is an ordinary booking, listed on every surface of its calendar.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, EmailStr, StringConstraints

from slotbook.booking import series as use
from slotbook.booking.model import Booking
from slotbook.calendars.model import Calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import BookingNotFound, NotFound
from slotbook.protection.rate_limits import Rule
from slotbook.surfaces.deps import EngineDep, IdempotencyHeader, TokenGuessesDep, per_address
from slotbook.surfaces.errors import ErrorStyle, surface_route
from slotbook.surfaces.fields import Id, Name, WallMoment
from slotbook.surfaces.replies import examples
from slotbook.surfaces.shared import Reply, answer_once, booking_out

router = APIRouter(prefix="/api/v1", tags=["series"], route_class=surface_route(ErrorStyle()))
#: an unknown or malformed series token, or an occurrence not in the series
NOT_FOUND = ErrorStyle().responses(NotFound("Series not found"), BookingNotFound)

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


def occurrence_out(
    booking: Booking, calendar: Calendar, token: str | None = None
) -> dict[str, Any]:
    zone = calendar.zone
    out: dict[str, Any] = {
        "id": booking.id,
        "start_at": booking.start_at.astimezone(zone).isoformat(),
        "end_at": booking.end_at.astimezone(zone).isoformat(),
        "status": booking.status,
    }
    return out | ({"booking_token": token} if token else {})


def series_out(series: use.Series) -> dict[str, Any]:
    row, calendar = series.row, series.calendar
    return {
        "id": row.id,
        "calendar_id": calendar.id,
        "timezone": calendar.timezone,
        "start": row.start_local,
        "rrule": row.rrule,
        "name": row.name,
        "email": row.email,
        "status": row.status,
        "bookings": [occurrence_out(b, calendar) for b in series.bookings],
    }


@router.post(
    "/calendars/{calendar_id}/series",
    status_code=201,
    summary="Book a recurring series: every occurrence, or none (409 listing each conflict)",
    dependencies=[per_address(Rule.BOOKINGS_PER_ADDRESS)],
)
async def create_series(
    calendar_id: Id, body: SeriesIn, engine: EngineDep, idempotency_key: IdempotencyHeader = None
) -> JSONResponse:
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
        out = series_out(made.series) | {"token": made.token}
        out["bookings"] = [occurrence_out(m.booking, calendar, m.token) for m in made.occurrences]
        return Reply(201, out)

    request = body.model_dump(mode="json") | {"calendar_id": calendar_id}
    reply = await answer_once(engine, idempotency_key, book, scope="series", request=request)
    return JSONResponse(reply.body, status_code=reply.status)


@router.get(
    "/series/{token}",
    summary="A series and its occurrences, by its token",
    responses=NOT_FOUND,
)
async def show_series(token: str, engine: EngineDep, guesses: TokenGuessesDep) -> dict[str, Any]:
    async with guesses.counted(), engine.unit() as uow:
        return series_out(await use.get_series(uow, token))


@router.delete(
    "/series/{token}",
    summary="Cancel every future occurrence (outside the cancel cut-off)",
    responses=NOT_FOUND,
)
async def cancel_series(token: str, engine: EngineDep, guesses: TokenGuessesDep) -> dict[str, Any]:
    async with guesses.counted(), engine.unit(write=True) as uow:
        return series_out(await use.cancel_series(uow, token))


@router.get(
    "/series/{token}/bookings/{booking_id}",
    summary="One occurrence of the series",
    responses=NOT_FOUND,
)
async def show_occurrence(
    token: str, booking_id: Id, engine: EngineDep, guesses: TokenGuessesDep
) -> dict[str, Any]:
    async with guesses.counted(), engine.unit() as uow:
        booking, calendar = await use.occurrence_of(uow, token, booking_id)
    return booking_out(booking, calendar, None, uow.now)


@router.delete(
    "/series/{token}/bookings/{booking_id}",
    status_code=204,
    summary="Cancel one occurrence",
    responses=NOT_FOUND,
)
async def cancel_occurrence(
    token: str, booking_id: Id, engine: EngineDep, guesses: TokenGuessesDep
) -> Response:
    async with guesses.counted(), engine.unit(write=True) as uow:
        await use.cancel_occurrence(uow, token, booking_id)
    return Response(status_code=204)
