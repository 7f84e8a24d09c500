"""Deciding on pending bookings (`/api/v1/bookings/{id}/approve` and `/decline`), for a
calendar with `requires_approval`. Errors are `{"detail": message, "code"}`.

Who may: as for the calendar's settings (`accounts.permissions.check_configurer`).
"""

from typing import Any

from fastapi import APIRouter

from slotbook.accounts import permissions
from slotbook.booking.approval import decide
from slotbook.calendars.calendars import Calendar
from slotbook.surfaces.http.auth import OptionalUser
from slotbook.surfaces.http.deps import EngineDep
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import Id
from slotbook.surfaces.http.replies import ManagedBookingOut
from slotbook.surfaces.http.shared import booking_out

STYLE = ErrorStyle()
router = APIRouter(prefix="/api/v1", tags=["approvals"], route_class=surface_route(STYLE))

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "A calendar with an owner account, and no valid bearer token"},
    403: {"description": "Signed in, but not this calendar's owner nor an admin"},
    404: {"content": {"application/json": {"example": {"detail": "Booking not found"}}}},
    409: {
        "content": {
            "application/json": {
                "example": {
                    "detail": "This booking is confirmed, not pending",
                    "code": "not_pending",
                }
            }
        }
    },
}


async def _decide(
    booking_id: int, engine: EngineDep, user: OptionalUser, *, approve: bool
) -> dict[str, Any]:
    strict = engine.settings.auth == "strict"

    def may_decide(calendar: Calendar) -> None:
        permissions.check_configurer(user, calendar, strict=strict)

    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            booking, calendar = await decide(
                uow, booking_id, approve=approve, may_decide=may_decide
            )
    return booking_out(booking, calendar, None, uow.now)


@router.post(
    "/bookings/{booking_id}/approve",
    summary="Approve a pending booking: it is confirmed",
    response_model=ManagedBookingOut,
    responses=RESPONSES,
)
async def approve(booking_id: Id, engine: EngineDep, user: OptionalUser) -> dict[str, Any]:
    return await _decide(booking_id, engine, user, approve=True)


@router.post(
    "/bookings/{booking_id}/decline",
    summary="Decline a pending booking: its time or seats are free at once",
    response_model=ManagedBookingOut,
    responses=RESPONSES,
)
async def decline(booking_id: Id, engine: EngineDep, user: OptionalUser) -> dict[str, Any]:
    return await _decide(booking_id, engine, user, approve=False)
