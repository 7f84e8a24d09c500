"""Free time on a calendar: the one read path every slot list, the board and the cache
use, and the same questions a claim asks before it writes.

- `openings`: the slots its hours open on some local days, and which of those no
  active claim (confirmed, or a hold not yet expired) overlaps;
- `bookable` / `check_bookable`: the booking rules (not past, minimum notice, horizon)
  as a filter for lists and as a check for one claim;
- `check_opening` and `check_unclaimed` (`claims_in_the_way`, then `refuse_overlaps`, which a
  claim asks apart so that the same read also finds stale holds in its way): the claim's
  questions, one start time at a time.

The booking rules live here in both forms: buffers (`openings(...).open` and
`check_unclaimed`) and the daily and weekly limits (`open`; a claim takes their
counters in `booking.transitions`).
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from slotbook.booking.model import Booking
from slotbook.calendars.model import Calendar, Schedule
from slotbook.engine import Engine, UnitOfWork
from slotbook.errors import (
    BeyondHorizon,
    InPast,
    InsideBuffer,
    OffGrid,
    OutsideHours,
    SlotTaken,
    TooSoon,
    WindowTooLong,
)
from slotbook.scheduling import (
    Slot,
    day_grid,
    in_window,
    opening_hours,
    window_slots,
)
from slotbook.scheduling.rules import (
    ClaimedTime,
    Counts,
    booker_key,
    clear_of,
    indexed,
    week_of,
    within_limits,
)
from slotbook.settings import Settings
from slotbook.store.bookings.booking_reads import bookers_between, claimed_times, claims_near
from slotbook.store.calendars import (
    find_calendar,
    find_calendar_and_claims,
    kept_schedule,
    load_schedule,
)


@dataclass(frozen=True, slots=True)
class Openings:
    """Some local days of a calendar: every slot its hours open (`grid`), in time order,
    and those of them that no active claim overlaps (`unclaimed`)."""

    grid: list[Slot]
    unclaimed: list[Slot]
    open: list[Slot]  # unclaimed, clear of every buffer, on days and weeks below their limits


async def grid(
    uow: UnitOfWork, calendar: Calendar, first: date, last: date, schedule: Schedule | None = None
) -> list[Slot]:
    """Every slot the calendar's hours (or `schedule`, a draft of them) open on the local
    days `first`..`last`."""
    if schedule is None:
        schedule = await load_schedule(
            uow, calendar.id, first, last, version=calendar.schedule_version
        )
    return window_slots(
        first,
        last,
        calendar.zone,
        lambda day: opening_hours(day, schedule.rules, schedule.dates),
        calendar.slot_minutes,
    )


def claims_window(calendar: Calendar, first: date, last: date) -> tuple[datetime, datetime]:
    """The stretch of time whose claims can touch a slot of the local days `first`..`last`:
    the days themselves, and one slot more (a slot may run past local midnight)."""
    start, end = calendar.days_span(first, last)
    return start, end + calendar.slot_length


async def openings(
    uow: UnitOfWork,
    calendar: Calendar,
    first: date,
    last: date,
    schedule: Schedule | None = None,
    claimed: Sequence[ClaimedTime] | None = None,
) -> Openings:
    """The calendar's slots (under its hours, or a draft `schedule` of them) on the local
    days `first`..`last`, whatever the booking
    window (past ones included): which of them no active booking's time overlaps, and
    which of those a booking could claim — clear of every booking's buffers with its own
    (`check_unclaimed`) and on a day and week below the calendar's limits (the counters
    a claim takes, `booking.transitions`, count the same active bookings). `claimed`:
    the claims of `claims_window`, if read already (`find_for_listing`)."""
    slots = await grid(uow, calendar, first, last, schedule)
    if not slots:
        return Openings([], [], [])
    if claimed is None:
        claimed = await claimed_times(uow, calendar, *claims_window(calendar, first, last))
    times, ranges = indexed(claimed)
    free = times.free_of(slots)
    clear = clear_of(free, ranges, calendar.buffers)
    limits = calendar.limits
    if limits.per_day is not None or limits.per_week is not None:
        clear = within_limits(clear, limits, await _taken(uow, calendar, first, last))
    return Openings(slots, free, clear)


async def _taken(uow: UnitOfWork, calendar: Calendar, first: date, last: date) -> Counts:
    """The active bookings of the weeks around `first`..`last`, counted as limits count."""
    start, end = calendar.days_span(week_of(first), week_of(last) + timedelta(days=6))
    return Counts.of_days(
        [
            (calendar.local_day(start_at), booker_key(email, user_id))
            for start_at, email, user_id in await bookers_between(uow, calendar.id, start, end)
        ]
    )


def bookable(calendar: Calendar, slots: list[Slot], now: datetime) -> list[Slot]:
    """The slots a client may book at `now` (the list form of `check_bookable`)."""
    return in_window(slots, now, calendar.window)


def check_bookable(calendar: Calendar, start_at: datetime, now: datetime) -> None:
    """Refuse a start in the past, inside the minimum notice, or beyond the horizon (the
    claim form of `bookable`)."""
    window = calendar.window
    if start_at < now:
        raise InPast()
    if start_at < window.earliest(now):
        raise TooSoon(f"Bookings need at least {calendar.min_notice_minutes} minutes' notice")
    if start_at > window.latest(now):
        raise BeyondHorizon(f"Bookings can be made at most {calendar.horizon_days} days ahead")


def check_window_length(settings: Settings, first: date, last: date) -> None:
    """Refuse a date window longer than `max_window_days`."""
    if (last - first).days + 1 > settings.max_window_days:
        raise WindowTooLong(f"The date window may span at most {settings.max_window_days} days")


async def free_slots_between(
    uow: UnitOfWork,
    calendar: Calendar,
    first: date,
    last: date,
    schedule: Schedule | None = None,
    claimed: Sequence[ClaimedTime] | None = None,
) -> list[Slot]:
    """Bookable slots of the local days `first`..`last`, in time order (under a draft
    `schedule` of the calendar's hours, if given: what saving it would offer; `claimed`:
    see `openings`)."""
    check_window_length(uow.settings, first, last)
    found = await openings(uow, calendar, first, last, schedule, claimed)
    return bookable(calendar, found.open, uow.now)


async def find_for_listing(
    uow: UnitOfWork, *, kind: str, owner_key: str, first: date, last: date
) -> tuple[Calendar | None, Sequence[ClaimedTime] | None]:
    """The calendar of this kind and owner key, read afresh, and the claims a listing of
    its days `first`..`last` weighs: read in the same round trip if this engine keeps the
    calendar and it has not changed since (a read-only unit on PostgreSQL), else None
    (the listing reads them, for the calendar as it is now)."""
    expected = uow.kept.get(kind, owner_key=owner_key)
    if expected is None or not uow.outside_transaction:
        return await find_calendar(uow, kind=kind, owner_key=owner_key), None
    start, end = claims_window(expected, first, last)
    return await find_calendar_and_claims(
        uow, kind=kind, owner_key=owner_key, expected=expected, start=start, end=end
    )


def _check_opens(calendar: Calendar, schedule: Schedule, start_at: datetime) -> None:
    """A slot of `schedule` (the calendar's hours of `start_at`'s local day) starts at
    `start_at`; otherwise OffGrid (inside the hours, between two slot starts) or
    OutsideHours."""
    day = calendar.local_day(start_at)
    hours = opening_hours(day, schedule.rules, schedule.dates)
    slots = day_grid(day, calendar.zone, hours, calendar.slot_minutes)
    if any(s.start == start_at for s in slots):
        return
    if any(s.start < start_at < s.end for s in slots):
        raise OffGrid(
            f"{start_at.astimezone(calendar.zone):%H:%M} is not on the calendar's "
            f"{calendar.slot_minutes}-minute grid"
        )
    raise OutsideHours()


def _month_of(day: date) -> tuple[date, date]:
    """The local days whose hours a claim reads, and the process keeps, at once: those of
    its month (so that a run of claims on new days does not read the hours day by day)."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


async def check_opening(uow: UnitOfWork, calendar: Calendar, start_at: datetime) -> None:
    """A slot of the calendar's hours starts at `start_at` (see `_check_opens`)."""
    first, last = _month_of(calendar.local_day(start_at))
    version = calendar.schedule_version
    schedule = await load_schedule(uow, calendar.id, first, last, version=version)
    _check_opens(calendar, schedule, start_at)


#: reads of a month's hours under way (`check_kept_opening`), keyed as `kept_schedule` is
_reading: dict[tuple[int, str, date, date], asyncio.Task[Schedule]] = {}


async def check_kept_opening(engine: Engine, calendar: Calendar, start_at: datetime) -> bool:
    """`check_opening` outside a unit of work, from the hours this process keeps for that
    month, read first (in a read-only unit of its own) if it keeps none: the claims that
    find a month's hours missing at once — a burst on a new month — all wait for that one
    read. False if the calendar's hours have no version to keep them by (then only
    `check_opening` can tell)."""
    version = calendar.schedule_version
    if version is None:
        return False
    first, last = _month_of(calendar.local_day(start_at))
    schedule = kept_schedule(calendar.id, version, first, last)
    if schedule is None:
        key = (calendar.id, version, first, last)
        reading = _reading.get(key)
        if reading is None:
            reading = _reading[key] = asyncio.create_task(_read_month(engine, *key))
            reading.add_done_callback(lambda done: _read(key, done))
        schedule = await asyncio.shield(reading)
    _check_opens(calendar, schedule, start_at)
    return True


async def _read_month(
    engine: Engine, calendar_id: int, version: str, first: date, last: date
) -> Schedule:
    """The hours of `first`..`last`, read and kept (`load_schedule`)."""
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            schedule = await load_schedule(uow, calendar_id, first, last, version=version)
    return schedule


def _read(key: tuple[int, str, date, date], done: asyncio.Task[Schedule]) -> None:
    """A month's read is over: the next miss reads again; its failure is the waiters'."""
    _reading.pop(key, None)
    if not done.cancelled():
        done.exception()  # retrieved here too, in case every waiter was cancelled


async def check_unclaimed(
    uow: UnitOfWork,
    calendar: Calendar,
    start_at: datetime,
    end_at: datetime,
    *,
    excluding: int | None = None,
) -> None:
    """Refuse [start_at, end_at) if an active booking but `excluding` overlaps it
    (SlotTaken), or if it, with the calendar's buffers, meets another booking's time or
    buffers (InsideBuffer): the claim form of `openings(...).open`, limits aside (those
    a claim takes from their counters)."""
    refuse_overlaps(
        calendar,
        start_at,
        end_at,
        await claims_in_the_way(uow, calendar, start_at, end_at, excluding=excluding),
    )


async def claims_in_the_way(
    uow: UnitOfWork,
    calendar: Calendar,
    start_at: datetime,
    end_at: datetime,
    *,
    excluding: int | None = None,
    stale_holds_too: bool = False,
) -> list[Booking]:
    """The bookings `refuse_overlaps` weighs for a claim of [start_at, end_at)."""
    claimed = calendar.buffers.around(start_at, end_at)
    return await claims_near(
        uow,
        calendar.id,
        claimed.start,
        claimed.end,
        excluding=excluding,
        stale_holds_too=stale_holds_too,
    )


def refuse_overlaps(
    calendar: Calendar, start_at: datetime, end_at: datetime, others: list[Booking]
) -> None:
    """SlotTaken if one of `others` overlaps [start_at, end_at); InsideBuffer if the
    claim with the calendar's buffers meets one's time or buffers."""
    claimed = calendar.buffers.around(start_at, end_at)
    if any(b.start_at < end_at and start_at < b.end_at for b in others):
        raise SlotTaken()
    if any(b.claimed.start < claimed.end and claimed.start < b.claimed.end for b in others):
        raise InsideBuffer(
            "That time is too close to another booking: this calendar keeps "
            f"{calendar.buffer_before_minutes} minutes before and "
            f"{calendar.buffer_after_minutes} minutes after each booking free"
        )
