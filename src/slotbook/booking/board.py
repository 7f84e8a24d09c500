"""The live board's view of calendar time: one local day's slots, each with a small id.

A slot's id is its position on the calendar's grid counted from local midnight:
`minutes since midnight // slot length`. On an hourly calendar that is the start hour
(the default board's 03:00 slot is 3); on a 15-minute calendar 09:30 is 38. Slots never
overlap, so two slots of one day never share an id.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta

from slotbook.availability import free_slots
from slotbook.booking import transitions
from slotbook.booking.claims import claim_time, get_booking_by_token
from slotbook.booking.manage import check_cutoff
from slotbook.booking.model import Booking, NewBooking, Source
from slotbook.calendars import calendars as cal
from slotbook.calendars.model import CalendarKind
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    BookedElsewhere,
    BookingNotFound,
    EmailTaken,
    InvalidInput,
    SlotNotFound,
)
from slotbook.scheduling import Slot
from slotbook.store.bookings.booking_reads import active_claims_between

BOARD_KIND = CalendarKind.BOARD
BOARD_KEY = "default"
SOURCE = Source.BOARD
#: Calendars whose time the board can show and book: hours cut into slots.
LIVE_KINDS = frozenset({CalendarKind.BOARD, CalendarKind.OWNER, CalendarKind.PROVIDER})


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
        board = await cal.set_schedule(uow, board, hours)
    return board


async def live_calendar(uow: UnitOfWork, calendar_id: int) -> cal.Calendar:
    """A calendar the board can show; CalendarNotFound or InvalidInput otherwise."""
    calendar = await cal.get_calendar(uow, calendar_id)
    if calendar.kind not in LIVE_KINDS:
        raise InvalidInput(f"Calendar {calendar_id} has seat-limited slots, not calendar time")
    return calendar


async def rolling_day(uow: UnitOfWork, calendar: cal.Calendar) -> date:
    """The day a board not pinned to a date shows: today in the calendar's zone until
    today's last slot has begun, then the next day (so the default board never shows a
    day with nothing left to book)."""
    today = calendar.today(uow.now)
    slots = await free_slots.grid(uow, calendar, today, today)
    if slots and slots[-1].start <= uow.now:
        return today + timedelta(days=1)
    return today


async def board_day(uow: UnitOfWork, calendar: cal.Calendar, day: date) -> list[BoardSlot]:
    """Every slot the calendar's hours open on `day`, booked or not, in time order. One
    that a buffer or a limit keeps closed is not booked, but not available either."""
    found = await free_slots.openings(uow, calendar, day, day)
    free = set(found.unclaimed)
    bookable = set(free_slots.bookable(calendar, found.open, uow.now))
    return [
        BoardSlot(slot_id(s, calendar.slot_minutes), s, s not in free, s in bookable)
        for s in found.grid
    ]


async def _slot(uow: UnitOfWork, calendar: cal.Calendar, day: date, wanted: int) -> Slot:
    for candidate in await free_slots.grid(uow, calendar, day, day):
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
    overlapping = await active_claims_between(uow, calendar.id, target.start, target.end)
    mine = [b for b in overlapping if b.source == SOURCE]
    if not mine:
        if overlapping:
            raise BookedElsewhere()
        raise BookingNotFound()
    return [await transitions.cancel(uow, b, calendar) for b in mine]


async def cancel_slot_by_token(
    uow: UnitOfWork, calendar: cal.Calendar, day: date, wanted: int, token: str
) -> Booking:
    """Cancel the booking `token` manages if it is an active booking on slot `wanted`
    (BookingNotFound otherwise), within the calendar's change cut-off like any
    cancellation by token."""
    target = await _slot(uow, calendar, day, wanted)
    booking = await get_booking_by_token(uow, token, lock=True)
    on_slot = booking.start_at < target.end and booking.end_at > target.start
    if booking.calendar_id != calendar.id or not on_slot or not booking.is_active(uow.now):
        raise BookingNotFound()
    check_cutoff(calendar, booking, uow.now, moving=False)
    return await transitions.cancel(uow, booking, calendar)
