"""Series: a recurring booking on calendar time, all occurrences or none.

A series is a wall time in the calendar's zone and a rule (`booking.recurrence`). Every
occurrence is claimed by the same `claims.claim_time` as a single booking — hours,
notice, horizon, buffers, limits (per booker too) and approval alike — each in a
savepoint of ONE transaction, so that every failing occurrence is found and named, and
then either every occurrence commits or, if any failed, nothing does (SeriesConflict).
The limit counters see the series' own earlier occurrences, so a series cannot exceed a
weekly limit by itself either. Occurrences keep their wall time across DST; one whose
wall time does not exist that day (the clocks skip it) is a conflict like any other.

Each occurrence is an ordinary booking (its own manage token too); the series token
reads the series, cancels every future occurrence, or cancels one.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from slotbook.booking import recurrence, transitions
from slotbook.booking.claims import claim_time, get_booking
from slotbook.booking.manage import check_cutoff
from slotbook.booking.model import Booking, NewBooking, Source
from slotbook.booking.tokens import hash_token, new_token
from slotbook.calendars.calendars import get_calendar
from slotbook.calendars.model import Calendar, CalendarKind
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    BeyondHorizon,
    BookingNotFound,
    Conflict,
    InPast,
    InvalidInput,
    NotChangeable,
    OutsideHours,
    PatientsOnly,
    SeriesConflict,
    SeriesNotFound,
    TooSoon,
)
from slotbook.store.bookings.series import SeriesRow, occurrences, series_with_token_hash
from slotbook.store.savepoint import savepoint

#: What can refuse one occurrence (and so the series); anything else stops at once.
OCCURRENCE_REFUSALS = (Conflict, OutsideHours, InPast, TooSoon, BeyondHorizon)
NONEXISTENT_TIME = "nonexistent_time"


@dataclass(frozen=True, slots=True)
class Series:
    row: SeriesRow
    calendar: Calendar
    bookings: list[Booking]


@dataclass(frozen=True, slots=True)
class NewSeries:
    """A series just made: its token and each occurrence's own (shown once)."""

    series: Series
    token: str
    occurrences: list[NewBooking]


def _refusal(start_at: str, reason: str, message: str) -> dict[str, str]:
    return {"start_at": start_at, "reason": reason, "message": message}


async def create_series(
    uow: UnitOfWork, *, calendar_id: int, start: datetime, rule: str, name: str, email: str
) -> NewSeries:
    """Book every occurrence of `rule` from wall time `start` on the calendar, or none:
    SeriesConflict listing each occurrence that failed and why."""
    calendar = await get_calendar(uow, calendar_id)
    if calendar.kind == CalendarKind.EVENT:
        raise InvalidInput("Series are for calendar time; book an event's time slots one by one")
    if calendar.patients_only:
        raise PatientsOnly()
    repeat = recurrence.parse(rule, calendar.zone)
    horizon = calendar.today(uow.now) + timedelta(days=calendar.horizon_days)
    recurrence.check_until_within(repeat, horizon)
    wall_times = repeat.occurrences(start)
    token, _ = new_token()
    values = {
        "start_local": start.isoformat(timespec="minutes"),
        "rrule": rule.strip(),
        "name": name,
        "email": email,
    }
    row = await transitions.open_series(uow, calendar, values, token)
    made: list[NewBooking] = []
    refused: list[dict[str, str]] = []
    for wall in wall_times:
        start_at = calendar.at(wall.date(), wall.time())
        if start_at is None:
            message = f"{wall:%H:%M} does not exist on {wall.date()} in {calendar.timezone}"
            refused.append(_refusal(wall.isoformat(timespec="minutes"), NONEXISTENT_TIME, message))
            continue
        try:
            async with savepoint(uow):
                occurrence = await claim_time(
                    uow,
                    calendar=calendar,
                    start_at=start_at,
                    source=Source.SERIES,
                    name=name,
                    email=email,
                    series_id=row.id,
                )
        except OCCURRENCE_REFUSALS as exc:
            local = start_at.astimezone(calendar.zone).isoformat()
            refused.append(_refusal(local, exc.code, exc.message))
        else:
            made.append(occurrence)
    if refused:
        raise SeriesConflict(refused, len(wall_times))
    await transitions.series_booked(uow, calendar, made[0].booking)
    series = Series(row, calendar, [m.booking for m in made])
    return NewSeries(series, token, made)


async def _series(uow: UnitOfWork, token: str) -> tuple[SeriesRow, Calendar]:
    row = await series_with_token_hash(uow, hash_token(token))
    if row is None:
        raise SeriesNotFound()
    return row, await get_calendar(uow, row.calendar_id)


async def get_series(uow: UnitOfWork, token: str) -> Series:
    row, calendar = await _series(uow, token)
    return Series(row, calendar, await occurrences(uow, row.id))


async def cancel_series(uow: UnitOfWork, token: str) -> Series:
    """Cancel every occurrence not yet begun and outside the calendar's cancel cut-off
    (those inside it stay, as a single booking's would), and end the series."""
    row, calendar = await _series(uow, token)
    every = await occurrences(uow, row.id)
    for booking in every:
        if booking.is_active(uow.now) and booking.start_at > uow.now + timedelta(
            minutes=calendar.cancel_cutoff
        ):
            await transitions.cancel(uow, booking, calendar)
    await transitions.end_series(uow, row, calendar, every[0])
    return await get_series(uow, token)


async def occurrence_of(uow: UnitOfWork, token: str, booking_id: int) -> tuple[Booking, Calendar]:
    """One occurrence of the token's series (BookingNotFound if not one of its)."""
    row, calendar = await _series(uow, token)
    booking = await get_booking(uow, booking_id)
    if booking.series_id != row.id:
        raise BookingNotFound()
    return booking, calendar


async def cancel_occurrence(uow: UnitOfWork, token: str, booking_id: int) -> Booking:
    """Cancel one occurrence, as its own token would (cut-off included)."""
    booking, calendar = await occurrence_of(uow, token, booking_id)
    if not booking.is_active(uow.now):
        raise NotChangeable(f"This booking is {booking.live_status(uow.now)}")
    check_cutoff(calendar, booking, uow.now, moving=False)
    return await transitions.cancel(uow, booking, calendar)
