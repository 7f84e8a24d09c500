"""The waitlist (`/api/v1/waitlist`): join the line for a full event slot or a taken
calendar time, see your entry by its token, leave, and accept an offered place.

When a place frees it is held for the first in line for the calendar's
`waitlist_offer_minutes`; their entry shows `offered` with `offer_expires_at`, and
`POST /api/v1/waitlist/{token}/accept` makes it their booking (201, with its manage
token). Errors are `{"detail", "code"}`.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, model_validator

from slotbook.booking import waitlist as use
from slotbook.booking.document import booking_document
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    AlreadyWaiting,
    CalendarNotFound,
    InPast,
    InvalidInput,
    NoOffer,
    OfferLapsed,
    OutsideHours,
    PatientsOnly,
    PlacesLeft,
    SlotNotFound,
    TooManySeats,
    WaitlistEntryNotFound,
)
from slotbook.protection.rate_limits import Rule
from slotbook.surfaces.http.deps import EngineDep, IdempotencyHeader, TokenGuessesDep, per_address
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import Moment, Name, ProviderId, SeatsPerBooking, TimeSlotId
from slotbook.surfaces.http.replies import JsonAnswer, examples
from slotbook.surfaces.http.shared import Reply, answer_once, booking_out

STYLE = ErrorStyle()
router = APIRouter(prefix="/api/v1/waitlist", tags=["waitlist"], route_class=surface_route(STYLE))
NOT_FOUND = STYLE.responses(WaitlistEntryNotFound)


def _with_offset(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("must carry its offset (2031-01-20T10:00:00+01:00, or Z for UTC)")
    return moment


Instant = Annotated[Moment, AfterValidator(_with_offset)]


class JoinIn(BaseModel):
    """Either `time_slot_id` (a full event slot; `seats`, default 1) or `calendar_id`
    and `start_at` (a taken time on a calendar, with its offset)."""

    model_config = ConfigDict(extra="forbid") | examples(
        {"time_slot_id": 12, "name": "Ada", "email": "ada@example.com", "seats": 2},
        {
            "calendar_id": 3,
            "start_at": "2031-01-20T10:00:00+01:00",
            "name": "Ada",
            "email": "ada@example.com",
        },
    )

    time_slot_id: TimeSlotId | None = None
    calendar_id: ProviderId | None = None
    start_at: Instant | None = None
    name: Name
    email: EmailStr
    seats: SeatsPerBooking = 1

    @model_validator(mode="after")
    def _one_place(self) -> "JoinIn":
        by_time = self.calendar_id is not None or self.start_at is not None
        if self.time_slot_id is not None and by_time:
            raise ValueError("give time_slot_id, or calendar_id and start_at, not both")
        if self.time_slot_id is None and (self.calendar_id is None or self.start_at is None):
            raise ValueError("give time_slot_id, or both calendar_id and start_at")
        return self


def entry_out(view: use.EntryView, now: datetime) -> dict[str, Any]:
    """The entry as its holder sees it; `booking`: the offered hold, or the booking."""
    entry, calendar = view.entry, view.calendar
    out: dict[str, Any] = {
        "id": entry.id,
        "status": view.status,
        "position": view.position,
        "calendar_id": calendar.id,
        "time_slot_id": entry.slot_id,
        "start_at": entry.start_at.astimezone(calendar.zone).isoformat(),
        "end_at": view.end_at.astimezone(calendar.zone).isoformat(),
        "seats": entry.seats,
        "name": entry.name,
    }
    if view.status == "offered" and entry.offer_expires_at is not None:
        out["offer_expires_at"] = entry.offer_expires_at.astimezone(calendar.zone).isoformat()
    if view.booking is not None and view.status in ("offered", "booked"):
        out["booking"] = booking_document(view.booking, calendar, now)
    return out


@router.post(
    "",
    status_code=201,
    summary="Join the waitlist of a full event slot or a taken calendar time",
    dependencies=[per_address(Rule.BOOKINGS_PER_ADDRESS)],
    responses=STYLE.responses(
        SlotNotFound,
        CalendarNotFound,
        PlacesLeft("This time slot has 2 places left: book it directly"),
        AlreadyWaiting,
        InvalidInput("give time_slot_id, or both calendar_id and start_at"),
        TooManySeats("seats: at most 10 places per booking for this time slot"),
        InPast("This time slot has already started"),
        OutsideHours,
        PatientsOnly,
    ),
)
async def join(
    body: JoinIn, engine: EngineDep, idempotency_key: IdempotencyHeader = None
) -> JsonAnswer:
    async def line_up(uow: UnitOfWork) -> Reply:
        joined = await use.join(
            uow,
            slot_id=body.time_slot_id,
            calendar_id=body.calendar_id,
            start_at=body.start_at,
            name=body.name,
            email=str(body.email),
            seats=body.seats,
        )
        return Reply(201, entry_out(joined.view, uow.now) | {"token": joined.token})

    request = body.model_dump(mode="json")
    reply = await answer_once(engine, idempotency_key, line_up, scope="waitlist", request=request)
    return JsonAnswer(reply.body, status_code=reply.status)


@router.get(
    "/{token}", summary="A waitlist entry: its status and place in line", responses=NOT_FOUND
)
async def show(token: str, engine: EngineDep, guesses: TokenGuessesDep) -> dict[str, Any]:
    async with guesses.counted():
        async for attempt in engine.attempts():
            async with attempt as uow:
                entry = await use.show(uow, token)
    return entry_out(entry, uow.now)


@router.delete(
    "/{token}",
    summary="Leave the waitlist (an open offer goes to the next in line)",
    responses=NOT_FOUND | STYLE.responses(NoOffer("This waitlist entry is booked")),
)
async def leave(token: str, engine: EngineDep, guesses: TokenGuessesDep) -> dict[str, Any]:
    async with guesses.counted():
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                left = await use.leave(uow, token)
    return entry_out(left, uow.now)


@router.post(
    "/{token}/accept",
    status_code=201,
    summary="Accept the offered place: it becomes your booking (with its manage token)",
    dependencies=[per_address(Rule.BOOKINGS_PER_ADDRESS)],
    responses=NOT_FOUND | STYLE.responses(OfferLapsed, NoOffer),
)
async def accept(token: str, engine: EngineDep, guesses: TokenGuessesDep) -> dict[str, Any]:
    async with guesses.counted():
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                booked, calendar = await use.accept(uow, token)
    return booking_out(booked.booking, calendar, booked.token, uow.now)
