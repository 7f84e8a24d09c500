"""Managing any booking by its token: read, move, cancel, within the calendar's cut-off;
and by its id, for the calendar's owner or an admin (from the console), before it starts.

Whatever surface made a booking, its token reaches it here. A seat booking moves to
another slot of its event; a calendar-time booking moves to another start time.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from slotbook.booking import transitions
from slotbook.booking.claims import get_booking, get_booking_by_token, move_time
from slotbook.booking.model import Booking
from slotbook.booking.seats import move_seat
from slotbook.calendars.calendars import Calendar, get_calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import CancelCutoff, ChangeCutoff, InvalidInput, MoveCutoff, NotChangeable


def check_cutoff(calendar: Calendar, booking: Booking, now: datetime, *, moving: bool) -> None:
    """No change once the booking has started, nor within the calendar's cancel or move
    cut-off (CancelCutoff / MoveCutoff say which, and until when it was allowed)."""
    if booking.start_at <= now:
        raise ChangeCutoff("This booking has already started and can no longer be changed")
    minutes = calendar.move_cutoff if moving else calendar.cancel_cutoff
    last = booking.start_at - timedelta(minutes=minutes)
    if now > last:
        error, verb = (MoveCutoff, "moved") if moving else (CancelCutoff, "cancelled")
        raise error(
            f"Bookings cannot be {verb} less than {minutes} minutes before the start; "
            f"this one could be {verb} until {last.astimezone(calendar.zone).isoformat()}"
        )


async def find_by_token(uow: UnitOfWork, token: str) -> tuple[Booking, Calendar]:
    booking = await get_booking_by_token(uow, token)
    return booking, await get_calendar(uow, booking.calendar_id)


def _check_active(booking: Booking, now: datetime) -> None:
    if not booking.is_active(now):
        raise NotChangeable(
            f"This booking is {booking.live_status(now)} and can no longer be changed"
        )


async def _changeable(uow: UnitOfWork, token: str, *, moving: bool) -> tuple[Booking, Calendar]:
    """The token's booking, locked, if it is active and outside its cut-off."""
    booking = await get_booking_by_token(uow, token, lock=True)
    calendar = await get_calendar(uow, booking.calendar_id)
    _check_active(booking, uow.now)
    check_cutoff(calendar, booking, uow.now, moving=moving)
    return booking, calendar


async def managed_by_id(
    uow: UnitOfWork, booking_id: int, may_manage: Callable[[Calendar], None]
) -> tuple[Booking, Calendar]:
    """The booking with this id, locked, for its calendar's manager (`may_manage` raises
    for anyone else), if it is active and has not started: the booker's cut-offs bind the
    booker, not the owner."""
    booking = await get_booking(uow, booking_id, lock=True)
    calendar = await get_calendar(uow, booking.calendar_id)
    may_manage(calendar)
    _check_active(booking, uow.now)
    if booking.start_at <= uow.now:
        raise ChangeCutoff("This booking has already started and can no longer be changed")
    return booking, calendar


async def cancel_by_token(uow: UnitOfWork, token: str) -> Booking:
    """Cancel the booking; its seat or time is free once this commits."""
    booking, calendar = await _changeable(uow, token, moving=False)
    return await transitions.cancel(uow, booking, calendar)


async def move_to_slot(uow: UnitOfWork, token: str, slot_id: int) -> tuple[Booking, Calendar]:
    """Move a seat booking to another slot of its event."""
    booking, calendar = await _changeable(uow, token, moving=True)
    if booking.slot_id is None:
        raise InvalidInput(
            "This booking is not on an event time slot: move it with new_time "
            "(and new_date), not new_time_slot_id"
        )
    return await move_seat(uow, booking, calendar, slot_id), calendar


async def move_to_time(
    uow: UnitOfWork, token: str, day: date | None, wall: time
) -> tuple[Booking, Calendar]:
    """Move a calendar-time booking to `wall` on `day` (default: its current day), in the
    calendar's zone."""
    booking, calendar = await _changeable(uow, token, moving=True)
    if booking.slot_id is not None:
        raise InvalidInput("This booking is on an event time slot: move it with new_time_slot_id")
    day = day or calendar.local_day(booking.start_at)
    start_at = calendar.at(day, wall, booking.end_at - booking.start_at)
    if start_at is None:
        raise InvalidInput(f"{wall:%H:%M} does not exist on {day} in {calendar.timezone}")
    return await move_time(uow, booking, calendar, start_at), calendar


async def cancel_by_id(
    uow: UnitOfWork, booking_id: int, may_manage: Callable[[Calendar], None]
) -> tuple[Booking, Calendar]:
    """Cancel a booking as its calendar's manager."""
    booking, calendar = await managed_by_id(uow, booking_id, may_manage)
    return await transitions.cancel(uow, booking, calendar), calendar


async def move_by_id(
    uow: UnitOfWork,
    booking_id: int,
    may_manage: Callable[[Calendar], None],
    *,
    start_at: datetime | None,
    slot_id: int | None,
) -> tuple[Booking, Calendar]:
    """Move a booking as its calendar's manager: calendar time to `start_at`, an event
    seat to the slot `slot_id`; the target must be free, as for any booking."""
    booking, calendar = await managed_by_id(uow, booking_id, may_manage)
    if booking.slot_id is not None:
        if slot_id is None:
            raise InvalidInput("This booking is on an event time slot: move it with time_slot_id")
        return await move_seat(uow, booking, calendar, slot_id), calendar
    if start_at is None:
        raise InvalidInput("This booking is calendar time: move it with start_at")
    return await move_time(uow, booking, calendar, start_at), calendar
