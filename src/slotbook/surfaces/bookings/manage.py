"""Managing any booking by its token (`/api/v1/bookings/{token}`), in surface 003's style.

Whatever surface made the booking: GET reads it, PUT moves it (`new_time_slot_id` for an
event seat; `new_time` and optionally `new_date` for calendar time), DELETE cancels it.
"""

from fastapi import APIRouter, Response
from pydantic import BaseModel, model_validator

from slotbook.booking import manage
from slotbook.errors import (
    BookingNotFound,
    ChangeCutoff,
    InPast,
    InvalidInput,
    NotChangeable,
    OutsideHours,
    SlotFull,
    SlotNotFound,
    SlotTaken,
)
from slotbook.surfaces.http.deps import EngineDep, TokenGuessesDep
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import Day, TimeSlotId, WallTime
from slotbook.surfaces.http.replies import ManagedBookingOut, examples
from slotbook.surfaces.http.shared import booking_out

STYLE = ErrorStyle()
router = APIRouter(
    prefix="/api/v1", tags=["003 manage a booking"], route_class=surface_route(STYLE)
)


class MoveIn(BaseModel):
    """Where to: another slot of the event, or another time on the calendar."""

    model_config = examples(
        {"new_time_slot_id": 4}, {"new_time": "11:00", "new_date": "2031-01-21"}
    )

    new_time_slot_id: TimeSlotId | None = None
    new_date: Day | None = None
    new_time: WallTime | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "MoveIn":
        by_slot = self.new_time_slot_id is not None
        by_time = self.new_time is not None or self.new_date is not None
        if by_slot == by_time:
            raise ValueError(
                "give either new_time_slot_id (event bookings) or new_time and optionally "
                "new_date (calendar bookings)"
            )
        if by_time and self.new_time is None:
            raise ValueError("new_time is required to move to another date")
        return self


@router.get(
    "/bookings/{token}",
    summary="A booking, by its manage token",
    responses=STYLE.responses(BookingNotFound),
)
async def show_booking(
    token: str, engine: EngineDep, guesses: TokenGuessesDep
) -> ManagedBookingOut:
    async with guesses.counted():
        async for attempt in engine.attempts():
            async with attempt as uow:
                booking, calendar = await manage.find_by_token(uow, token)
    return ManagedBookingOut.model_validate(booking_out(booking, calendar, token, uow.now))


@router.put(
    "/bookings/{token}",
    summary="Move a booking to another slot or time",
    responses=STYLE.responses(
        BookingNotFound,
        SlotNotFound,
        SlotFull,
        SlotTaken,
        NotChangeable,
        ChangeCutoff,
        OutsideHours,
        InPast,
        InvalidInput("new_time_slot_id must be a time slot of the same event"),
    ),
)
async def move_booking(
    token: str, body: MoveIn, engine: EngineDep, guesses: TokenGuessesDep
) -> ManagedBookingOut:
    async with guesses.counted():
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                if body.new_time_slot_id is not None:
                    booking, calendar = await manage.move_to_slot(uow, token, body.new_time_slot_id)
                else:
                    assert body.new_time is not None  # checked by MoveIn
                    booking, calendar = await manage.move_to_time(
                        uow, token, body.new_date, body.new_time
                    )
    return ManagedBookingOut.model_validate(booking_out(booking, calendar, token, uow.now))


@router.delete(
    "/bookings/{token}",
    status_code=204,
    summary="Cancel a booking",
    responses=STYLE.responses(BookingNotFound, NotChangeable, ChangeCutoff),
)
async def cancel(token: str, engine: EngineDep, guesses: TokenGuessesDep) -> Response:
    async with guesses.counted():
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                await manage.cancel_by_token(uow, token)
    return Response(status_code=204)
