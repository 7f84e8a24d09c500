"""Calendar feeds and booking files (iCalendar, `text/calendar`).

- `POST /api/v1/calendars/{id}/feed` (the calendar's owner or an admin, bearer token)
  → `{"url"}`: a secret URL serving the calendar's bookings; a new one each time (the
  old one stops working). `DELETE` on the same path revokes it.
- `GET /api/v1/feeds/{secret}.ics`: the feed (404 once revoked).
- `GET /api/v1/bookings/{token}/calendar.ics`: one booking, for its booker's calendar.
"""

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from slotbook.calendars import feeds, ics
from slotbook.errors import BookingNotFound, CalendarNotFound, FeedNotFound, Forbidden, Unauthorized
from slotbook.surfaces.http.auth import CurrentUser
from slotbook.surfaces.http.deps import EngineDep
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import Id

STYLE = ErrorStyle()
router = APIRouter(prefix="/api/v1", tags=["calendar feeds"], route_class=surface_route(STYLE))
ICS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            ics.CONTENT_TYPE: {
                "schema": {"type": "string"},
                "example": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…\r\nEND:VCALENDAR\r\n",
            }
        },
        "description": "An RFC 5545 calendar",
    }
}
#: who may issue or revoke a calendar's feed: its owner or an admin, with a bearer token
OWNER_ONLY = STYLE.responses(Unauthorized, Forbidden, CalendarNotFound)


class FeedOut(BaseModel):
    url: str = Field(
        description="Secret: whoever has it can read the calendar's bookings",
        examples=["http://127.0.0.1:8000/api/v1/feeds/Jx1….ics"],
    )


@router.post(
    "/calendars/{calendar_id}/feed",
    summary="Issue the calendar's secret iCal feed URL (revokes the previous one)",
    responses=OWNER_ONLY,
)
async def issue_feed(
    calendar_id: Id, request: Request, user: CurrentUser, engine: EngineDep
) -> FeedOut:
    secret = await feeds.issue(engine, user=user, calendar_id=calendar_id)
    return FeedOut(url=str(request.base_url).rstrip("/") + feeds.feed_path(secret))


@router.delete(
    "/calendars/{calendar_id}/feed",
    status_code=204,
    summary="Revoke the calendar's feed",
    responses=STYLE.responses(
        Unauthorized, Forbidden, CalendarNotFound, FeedNotFound("This calendar has no feed")
    ),
)
async def revoke_feed(calendar_id: Id, user: CurrentUser, engine: EngineDep) -> Response:
    await feeds.revoke(engine, user=user, calendar_id=calendar_id)
    return Response(status_code=204)


@router.get(
    "/feeds/{secret}.ics",
    summary="A calendar's bookings as iCalendar",
    response_class=Response,
    responses=ICS | STYLE.responses(FeedNotFound),
)
async def read_feed(secret: str, engine: EngineDep) -> Response:
    return Response(await feeds.feed(engine, secret), media_type=ics.CONTENT_TYPE)


@router.get(
    "/bookings/{token}/calendar.ics",
    summary="One booking as an iCalendar file (METHOD:PUBLISH)",
    response_class=Response,
    responses=ICS | STYLE.responses(BookingNotFound),
)
async def booking_file(token: str, engine: EngineDep) -> Response:
    return Response(
        await feeds.booking_file(engine, token),
        media_type=ics.CONTENT_TYPE,
        headers={"Content-Disposition": 'attachment; filename="booking.ics"'},
    )
