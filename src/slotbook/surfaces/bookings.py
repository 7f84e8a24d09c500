"""`POST /api/v1/bookings`, shared by surfaces 002 (provider time) and 003 (event seats).

Which one a client means is told by the fields present (`time_slot_id` or
`attendee_name`: an event seat); each answers in its own documented shape and error style.
"""

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from slotbook.apidocs.openapi import documented_body
from slotbook.errors import (
    CalendarNotFound,
    IdempotencyMismatch,
    InPast,
    InvalidInput,
    SlotFull,
    SlotNotFound,
    SlotTaken,
)
from slotbook.surfaces import events, providers
from slotbook.surfaces.deps import EngineDep, IdempotencyHeader
from slotbook.surfaces.errors import STORE_ERRORS, merge_responses, surface_route, use_style
from slotbook.surfaces.events import SeatBookingIn
from slotbook.surfaces.providers import ProviderBookingIn
from slotbook.surfaces.validation import NOT_JSON

SEAT_FIELDS = ("time_slot_id", "attendee_name")

#: the two bodies this path reads: a seat booking has `time_slot_id` or `attendee_name`
BookingIn = ProviderBookingIn | SeatBookingIn

router = APIRouter(
    prefix="/api/v1",
    tags=["002 providers", "003 events"],
    route_class=surface_route(providers.STYLE),
)

CREATED = {
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
    responses={201: CREATED}
    | either_shape(
        providers.STYLE.responses(
            InvalidInput("Missing required fields: provider_id, date, time"),
            CalendarNotFound,
            SlotTaken,
            InPast,
            IdempotencyMismatch,
            *STORE_ERRORS,
        ),
        events.STYLE.responses(
            SlotNotFound, SlotFull, InPast("Time slot has already started"), *STORE_ERRORS
        ),
        events.STYLE.validation_response(),
    ),
    openapi_extra=documented_body(
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
    request: Request,
    engine: EngineDep,
    body: Any = Body(...),
    idempotency_key: IdempotencyHeader = None,
) -> JSONResponse:
    if not isinstance(body, dict):
        raise InvalidInput(NOT_JSON)
    if any(field in body for field in SEAT_FIELDS):
        use_style(request, events.STYLE)
        reply = await events.book_seat(engine, body, idempotency_key)
    else:
        reply = await providers.book_provider_time(engine, body, idempotency_key)
    return JSONResponse(reply.body, status_code=reply.status)
