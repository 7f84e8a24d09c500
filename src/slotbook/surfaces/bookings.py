"""`POST /api/v1/bookings`, shared by surfaces 002 (provider time) and 003 (event seats).

Which one a client means is told by the fields present (`time_slot_id` or
`attendee_name`: an event seat); each answers in its own documented shape and error style.
"""

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from slotbook.errors import InvalidInput
from slotbook.protection.rate_limits import Rule
from slotbook.surfaces import events, providers
from slotbook.surfaces.deps import EngineDep, IdempotencyHeader, per_address
from slotbook.surfaces.errors import surface_route, use_style

SEAT_FIELDS = ("time_slot_id", "attendee_name")

router = APIRouter(
    prefix="/api/v1",
    tags=["002 providers", "003 events"],
    route_class=surface_route(providers.STYLE),
)


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
        use_style(request, events.STYLE)
        reply = await events.book_seat(engine, body, idempotency_key)
    else:
        reply = await providers.book_provider_time(engine, body, idempotency_key)
    return JSONResponse(reply.body, status_code=reply.status)
