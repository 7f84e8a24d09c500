"""A calendar's bookings for its manager (the console's bookings screen), as public API:
list and search them, read one's history (its outbox events), move or cancel one by its
id, and follow the calendar's changes live (`text/event-stream`).

Always with a bearer token (in open mode too): a provider for their own calendar, an
admin for any; a patient's token is 403. Errors are `{"detail", "code"}`.
"""

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, Field

from slotbook.accounts import permissions
from slotbook.accounts.model import User
from slotbook.booking import manage
from slotbook.booking.claims import get_booking
from slotbook.booking.model import BookingStatus
from slotbook.calendars import calendars as cal
from slotbook.errors import (
    BookingNotFound,
    CalendarNotFound,
    ChangeCutoff,
    Forbidden,
    InvalidInput,
    NotChangeable,
    SlotFull,
    SlotTaken,
    Unauthorized,
)
from slotbook.realtime.watchers import CalendarWatchers
from slotbook.store.bookings import booking_reads, waitlist
from slotbook.store.outbox import outbox
from slotbook.surfaces.http.auth import CurrentUser
from slotbook.surfaces.http.deps import EngineDep
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import (
    Day,
    Id,
    Limit,
    Offset,
    check_supported_moment,
    parse_moment,
)
from slotbook.surfaces.http.replies import ManagedBookingOut, examples
from slotbook.surfaces.http.shared import booking_out

STYLE = ErrorStyle()
router = APIRouter(prefix="/api/v1", tags=["console"], route_class=surface_route(STYLE))
NOT_YOURS = Forbidden("Only this calendar's owner or an admin may do that")
PATIENT = Forbidden("This is for providers and admins; a patient's account cannot use it")
HISTORY_LIMIT = 500
#: seconds between keep-alive comments on an idle feed (proxies close silent streams)
KEEP_ALIVE = 15.0
STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`event: ready` at once, then `event: change` with "
        '`{"dates": ["2031-01-20"]}` (the local dates that changed; `null` in the '
        "list: any date) after every committed change of its bookings or hours, "
        "and `: keep-alive` comments; the answer ends after "
        "SLOTBOOK_CONSOLE_FEED_SECONDS (reconnect, then read again what you show)",
        "content": {
            "text/event-stream": {
                "schema": {
                    "type": "object",
                    "description": "one event of the stream",
                    "required": ["event", "data"],
                    "properties": {
                        "event": {"type": "string", "enum": ["ready", "change"]},
                        "data": {
                            "type": "string",
                            "description": 'JSON: `{"calendar_id"}` (ready), '
                            '`{"dates": [date or null]}` (change)',
                        },
                    },
                }
            }
        },
    }
}
CHANGE_ERRORS = STYLE.responses(
    Unauthorized,
    PATIENT,
    NOT_YOURS,
    BookingNotFound,
    InvalidInput("This booking is calendar time: move it with start_at"),
    SlotTaken,
    SlotFull,
    NotChangeable("This booking is cancelled and can no longer be changed"),
    ChangeCutoff("This booking has already started and can no longer be changed"),
)


class HistoryEventOut(BaseModel):
    """One change of the booking, as its webhook event carried it."""

    model_config = examples(
        {
            "event_id": "msg_5f1c…",
            "type": "booking.moved",
            "occurred_at": "2031-01-19T10:00:00+00:00",
            "booking": {"id": 42, "status": "confirmed", "start_at": "2031-01-20T10:00:00+01:00"},
        }
    )

    event_id: str
    type: str
    occurred_at: datetime
    booking: dict[str, Any] = Field(description="the booking just after the change")


class OwnerMoveIn(BaseModel):
    model_config = examples({"start_at": "2031-01-20T10:00:00+01:00"}, {"time_slot_id": 7})

    start_at: (
        Annotated[
            AwareDatetime,
            BeforeValidator(parse_moment),
            AfterValidator(check_supported_moment),
        ]
        | None
    ) = Field(None, description="calendar time: the new start (a free slot's)")
    time_slot_id: Id | None = Field(None, description="an event seat: the new time slot")


class WaitlistLineOut(BaseModel):
    """Someone in line for a full event slot (`time_slot_id`) or a taken calendar time
    (`start_at`); `position` counts from 1 among those still waiting there."""

    model_config = examples(
        {
            "id": 4,
            "time_slot_id": 7,
            "start_at": "2031-01-20T10:00:00+01:00",
            "name": "Ada",
            "email": "ada@example.com",
            "seats": 1,
            "status": "waiting",
            "position": 1,
            "offer_expires_at": None,
            "created_at": "2031-01-15T08:00:00+00:00",
        }
    )

    id: int
    time_slot_id: int | None
    start_at: datetime
    name: str
    email: str
    seats: int
    status: str = Field(description="waiting, offered, or lapsed (an offer that ran out)")
    position: int | None = Field(description="place in line while waiting")
    offer_expires_at: datetime | None
    created_at: datetime


def _manager_of(user: User) -> Any:
    def may_manage(calendar: cal.Calendar) -> None:
        permissions.check_manager(user, calendar)

    return may_manage


@router.get(
    "/calendars/{calendar_id}/bookings",
    summary="A calendar's bookings, filtered (its owner or an admin)",
    response_model=list[ManagedBookingOut],
    responses=STYLE.responses(Unauthorized, PATIENT, NOT_YOURS, CalendarNotFound),
)
async def calendar_bookings(
    calendar_id: Id,
    engine: EngineDep,
    user: CurrentUser,
    status: Annotated[
        list[BookingStatus] | None, Query(description="any of these (as shown); none: all")
    ] = None,
    start_date: Annotated[Day | None, Query(description="from this local date")] = None,
    end_date: Annotated[Day | None, Query(description="to this local date, inclusive")] = None,
    q: Annotated[str | None, Query(max_length=200, description="in the name or email")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    permissions.check_console_user(user)
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar = await cal.get_calendar(uow, calendar_id)
            permissions.check_manager(user, calendar)
            found = await booking_reads.search_bookings(
                uow,
                calendar_id=calendar.id,
                statuses=[str(s) for s in status] if status else None,
                start=calendar.days_span(start_date, start_date)[0] if start_date else None,
                end=calendar.days_span(end_date, end_date)[1] if end_date else None,
                text=q.strip() if q else None,
                limit=limit,
                offset=offset,
            )
    return [booking_out(b, calendar, None, uow.now) for b in found]


@router.get(
    "/calendars/{calendar_id}/waitlist",
    summary="Who is in line for a calendar's full slots or taken times (its owner or an admin)",
    responses=STYLE.responses(Unauthorized, PATIENT, NOT_YOURS, CalendarNotFound),
)
async def calendar_waitlist(
    calendar_id: Id, engine: EngineDep, user: CurrentUser, limit: Limit = 500
) -> list[WaitlistLineOut]:
    permissions.check_console_user(user)
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar = await cal.get_calendar(uow, calendar_id)
            permissions.check_manager(user, calendar)
            entries = await waitlist.lines_of(uow, calendar.id, limit=limit)
    zone, places = calendar.zone, Counter[tuple[int | None, datetime]]()
    lines = []
    for entry in entries:
        status = entry.live_status(uow.now)
        place = (entry.slot_id, entry.start_at)
        places[place] += status == "waiting"
        lines.append(
            WaitlistLineOut(
                id=entry.id,
                time_slot_id=entry.slot_id,
                start_at=entry.start_at.astimezone(zone),
                name=entry.name,
                email=entry.email,
                seats=entry.seats,
                status=status,
                position=places[place] if status == "waiting" else None,
                offer_expires_at=entry.offer_expires_at,
                created_at=entry.created_at,
            )
        )
    return lines


@router.get(
    "/bookings/{booking_id}/history",
    summary="A booking's history: every change, oldest first (its calendar's owner or an admin)",
    responses=STYLE.responses(Unauthorized, PATIENT, NOT_YOURS, BookingNotFound),
)
async def booking_history(
    booking_id: Id, engine: EngineDep, user: CurrentUser
) -> list[HistoryEventOut]:
    permissions.check_console_user(user)
    async for attempt in engine.attempts():
        async with attempt as uow:
            booking = await get_booking(uow, booking_id)
            permissions.check_manager(user, await cal.get_calendar(uow, booking.calendar_id))
            events = await outbox.events_of_booking(uow, booking_id, limit=HISTORY_LIMIT)
    return [
        HistoryEventOut(
            event_id=e.event_id, type=e.type, occurred_at=e.occurred_at, booking=e.booking
        )
        for e in events
    ]


@router.post(
    "/bookings/{booking_id}/cancel",
    summary="Cancel a booking as its calendar's owner or an admin (before it starts)",
    response_model=ManagedBookingOut,
    responses=CHANGE_ERRORS,
)
async def cancel_booking(booking_id: Id, engine: EngineDep, user: CurrentUser) -> dict[str, Any]:
    permissions.check_console_user(user)
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            booking, calendar = await manage.cancel_by_id(uow, booking_id, _manager_of(user))
    return booking_out(booking, calendar, None, uow.now)


@router.post(
    "/bookings/{booking_id}/move",
    summary="Move a booking as its calendar's owner or an admin (to a free time or slot)",
    response_model=ManagedBookingOut,
    responses=CHANGE_ERRORS,
)
async def move_booking(
    booking_id: Id, body: OwnerMoveIn, engine: EngineDep, user: CurrentUser
) -> dict[str, Any]:
    permissions.check_console_user(user)
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            booking, calendar = await manage.move_by_id(
                uow,
                booking_id,
                _manager_of(user),
                start_at=body.start_at,
                slot_id=body.time_slot_id,
            )
    return booking_out(booking, calendar, None, uow.now)


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@router.get(
    "/calendars/{calendar_id}/changes",
    summary="Follow a calendar's changes (server-sent events; its owner or an admin)",
    response_class=StreamingResponse,
    responses=STREAM | STYLE.responses(Unauthorized, PATIENT, NOT_YOURS, CalendarNotFound),
)
async def calendar_changes(
    calendar_id: Id, request: Request, engine: EngineDep, user: CurrentUser
) -> StreamingResponse:
    permissions.check_console_user(user)
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar = await cal.get_calendar(uow, calendar_id)
    permissions.check_manager(user, calendar)
    watchers: CalendarWatchers = request.app.state.watchers
    lifetime = engine.settings.console_feed_seconds

    async def stream() -> AsyncIterator[str]:
        with watchers.watch(calendar.id) as watch:
            yield _event("ready", {"calendar_id": calendar.id})
            loop = asyncio.get_running_loop()
            ends = loop.time() + lifetime
            while (left := ends - loop.time()) > 0:
                days = await watch.changes(min(KEEP_ALIVE, left))
                if not days:
                    yield ": keep-alive\n\n"
                    continue
                dates = sorted((d.isoformat() if d else None for d in days), key=str)
                yield _event("change", {"dates": dates})

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
