"""A calendar's offered slots for a window of dates, answered through the slot cache."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from slotbook.availability.free_slots import (
    bookable,
    check_window_length,
    claims_window,
    openings,
)
from slotbook.availability.slot_cache import DaySlots, SlotCache
from slotbook.calendars.model import Calendar
from slotbook.engine import Engine, UnitOfWork
from slotbook.observability import metrics
from slotbook.scheduling import Slot
from slotbook.store.bookings.booking_reads import live_holds_between


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def _hold_ends(
    uow: UnitOfWork, calendar: Calendar, first: date, last: date
) -> dict[date, datetime]:
    """For each local day, when the first unexpired hold on it runs out."""
    holds = await live_holds_between(uow, calendar.id, *claims_window(calendar, first, last))
    ends: dict[date, datetime] = {}
    for start_at, expires_at in holds:
        day = calendar.local_day(start_at)
        ends[day] = min(expires_at, ends.get(day, expires_at))
    return ends


async def _unclaimed_days(
    uow: UnitOfWork, calendar: Calendar, first: date, last: date
) -> dict[date, DaySlots]:
    by_day: defaultdict[date, list[Slot]] = defaultdict(list)
    for slot in (await openings(uow, calendar, first, last)).open:
        by_day[slot.local_start.date()].append(slot)
    ends = await _hold_ends(uow, calendar, first, last)
    return {d: DaySlots(tuple(by_day[d]), ends.get(d)) for d in _days(first, last)}


async def offered_slots(
    engine: Engine, cache: SlotCache, calendar: Calendar, first: date, last: date
) -> list[Slot]:
    """Bookable slots of the local days `first`..`last`; cached days come from the cache,
    the others from the database (and are cached)."""
    check_window_length(engine.settings, first, last)
    days = _days(first, last)
    now = engine.clock()
    snapshot = await cache.read(calendar.id, days, now)
    missing = [d for d in days if d not in snapshot.days]
    metrics.cache_lookups(hits=len(days) - len(missing), misses=len(missing))
    fresh: dict[date, DaySlots] = {}
    if missing:
        async for attempt in engine.attempts(read_only=True):
            async with attempt as uow:
                fresh = await _unclaimed_days(uow, calendar, missing[0], missing[-1])
        await cache.store(snapshot, {d: fresh[d] for d in missing})
    known = snapshot.days | fresh
    slots = [slot for day in days for slot in known[day].slots]
    return bookable(calendar, slots, now)
