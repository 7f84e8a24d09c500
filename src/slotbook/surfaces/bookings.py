"""`POST /api/v1/bookings`, shared by surfaces 002 (provider time) and 003 (event seats).

Which one a client means is told by the fields present; each answers in its own
documented shape and error style.
"""

from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from slotbook.errors import InvalidInput
from slotbook.surfaces import providers
from slotbook.surfaces.deps import EngineDep, IdempotencyHeader
from slotbook.surfaces.errors import surface_route

router = APIRouter(
    prefix="/api/v1", tags=["002 providers"], route_class=surface_route(providers.STYLE)
)


@router.post("/bookings", status_code=201, summary="Book provider time {provider_id, date, time}")
async def create_booking(
    engine: EngineDep, body: Any = Body(...), idempotency_key: IdempotencyHeader = None
) -> JSONResponse:
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object")
    reply = await providers.book_provider_time(engine, body, idempotency_key)
    return JSONResponse(reply.body, status_code=reply.status)
