"""The live board's view of calendar time: one local day's slots, each with a small id.

A slot's id is its position on the calendar's grid counted from local midnight:
`minutes since midnight // slot length`. On an hourly calendar that is the start hour
(the default board's 03:00 slot is 3); on a 15-minute calendar 09:30 is 38. Slots never
overlap, so two slots of one day never share an id.
"""

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select

from slotbook.availability.free_slots import busy_between, grid
from slotbook.booking import transitions
from slotbook.booking.claims import claim_time
from slotbook.booking.model import Booking, NewBooking, Source
from slotbook.calendars import calendars as cal
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    BookedElsewhere,
    BookingNotFound,
    EmailTaken,
    InvalidInput,
    SlotNotFound,
)
from slotbook.scheduling import Slot, in_window
from slotbook.scheduling.window import Claims
from slotbook.store.booking_writes import BOOKING_COLUMNS, booking_from
from slotbook.store.predicates import occupying, time_claims_overlapping

BOARD_KIND = "board"
BOARD_KEY = "default"
SOURCE = Source.BOARD
#: Calendars whose time the board can show and book: hours cut into slots.
LIVE_KINDS = frozenset({"board", "owner", "provider"})


@dataclass(frozen=True, slots=True)
class BoardSlot:
    id: int
    slot: Slot
    booked: bool  # an active booking or unexpired hold overlaps it
    available: bool  # free and bookable now (not past, inside the booking window)


def slot_id(slot: Slot, slot_minutes: int) -> int:
    local = slot.local_start
    return (local.hour * 60 + local.minute) // slot_minutes


async def ensure_board(uow: UnitOfWork) -> cal.Calendar:
    """The default board, created or brought in line with the settings; safe to race."""
    settings = uow.settings
    board = await cal.find_calendar(uow, kind=BOARD_KIND, owner_key=BOARD_KEY)
    if board is None:
        try:
            board = await cal.create_calendar(
                uow,
                kind=BOARD_KIND,
                owner_key=BOARD_KEY,
                name="Slot board",
                timezone=settings.board_timezone,
                slot_minutes=settings.board_slot_minutes,
            )
        except EmailTaken:  # the unique (kind, owner_key): another process made it first
            board = await cal.find_calendar(uow, kind=BOARD_KIND, owner_key=BOARD_KEY)
            assert board is not None
    wanted = {"timezone": settings.board_timezone, "slot_minutes": settings.board_slot_minutes}
    changes = {k: v for k, v in wanted.items() if getattr(board, k) != v}
    if changes:
        board = await cal.update_calendar(uow, board, **changes)
    hours = cal.daily(time(settings.board_first_hour), time(settings.board_last_hour))
    current = await cal.load_schedule(uow, board.id)
    if current.dates or set(current.rules) != set(hours.rules):
        await cal.set_schedule(uow, board, hours)
    return board


async def live_calendar(uow: UnitOfWork, calendar_id: int) -> cal.Calendar:
    """A calendar the board can show; CalendarNotFound or InvalidInput otherwise."""
    calendar = await cal.get_calendar(uow, calendar_id)
    if calendar.kind not in LIVE_KINDS:
        raise InvalidInput(f"Calendar {calendar_id} has seat-limited slots, not calendar time")
    return calendar


async def _grid(uow: UnitOfWork, calendar: cal.Calendar, day: date) -> list[Slot]:
    return grid(calendar, await cal.load_schedule(uow, calendar.id), day, day)


async def board_day(uow: UnitOfWork, calendar: cal.Calendar, day: date) -> list[BoardSlot]:
    """Every slot the calendar's hours open on `day`, booked or not, in time order."""
    candidates = await _grid(uow, calendar, day)
    if not candidates:
        return []
    claims = Claims(await busy_between(uow, calendar.id, candidates[0].start, candidates[-1].end))
    bookable = set(in_window(candidates, uow.now, calendar.window))
    states = [(s, claims.overlaps(s.start, s.end)) for s in candidates]
    return [
        BoardSlot(slot_id(s, calendar.slot_minutes), s, booked, not booked and s in bookable)
        for s, booked in states
    ]


async def _slot(uow: UnitOfWork, calendar: cal.Calendar, day: date, wanted: int) -> Slot:
    for candidate in await _grid(uow, calendar, day):
        if slot_id(candidate, calendar.slot_minutes) == wanted:
            return candidate
    raise SlotNotFound()


async def book_slot(uow: UnitOfWork, calendar: cal.Calendar, day: date, wanted: int) -> NewBooking:
    """Book slot `wanted` of `day`: an ordinary booking, made with source 'board'."""
    target = await _slot(uow, calendar, day, wanted)
    return await claim_time(uow, calendar=calendar, start_at=target.start, source=SOURCE)


async def cancel_slot(
    uow: UnitOfWork, calendar: cal.Calendar, day: date, wanted: int
) -> list[Booking]:
    """Cancel the board bookings on slot `wanted`. Nothing booked: BookingNotFound; booked
    only through another surface: BookedElsewhere (it is managed by its token)."""
    target = await _slot(uow, calendar, day, wanted)
    rows = await uow.conn.execute(
        select(*BOOKING_COLUMNS).where(
            time_claims_overlapping(calendar.id, target.start, target.end), occupying(uow.now)
        )
    )
    overlapping = [booking_from(r) for r in rows]
    mine = [b for b in overlapping if b.source == SOURCE]
    if not mine:
        if overlapping:
            raise BookedElsewhere()
        raise BookingNotFound()
    return [await transitions.cancel(uow, b, calendar) for b in mine]
