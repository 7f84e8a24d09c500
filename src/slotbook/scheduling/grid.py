"""Slots on a wall-clock grid, converted to UTC instants, correct on every zone's days.

Each opening interval is cut into slots of `minutes` from its opening time; an opening
time that the clocks skip (a gap, at midnight or any hour) opens at the first wall time
that exists after it. A slot is offered when it reads on one UTC offset from its start to
its end (`wall_clock.keeps_offset`; it may end at the very instant the clocks change), so
it lasts its length by the clock on the wall and in real time, and no two slots of a day
overlap. A wall time the clocks skip is
never offered; one they repeat is offered once, at the first occurrence from which the
slot fits (`wall_clock.slot_start`) — the instant that wall time books on every surface.
"""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from slotbook.scheduling.hours import Hours
from slotbook.scheduling.wall_clock import (
    first_instant_at_or_after,
    slot_start,
    steady_offset,
)

HoursOf = Callable[[date], list[Hours]]

#: most slots the day grids kept in memory hold, in all (a slot is ~250 bytes)
GRID_SLOTS_KEPT = 100_000


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC
    local_start: datetime  # naive wall clock in the calendar's zone


def _opening(local: datetime, zone: ZoneInfo) -> datetime:
    """Where an interval opening at wall time `local` starts: there, or where the clocks
    jump to if they skip it."""
    instant = first_instant_at_or_after(local, zone)
    return instant.astimezone(zone).replace(tzinfo=None)


def day_slots(day: date, zone: ZoneInfo, hours: list[Hours], minutes: int) -> list[Slot]:
    """Every slot of `minutes` that fits inside `hours` on `day`, in time order."""
    step = timedelta(minutes=minutes)
    offset = steady_offset(day, zone)
    found: list[Slot] = []
    for open_at, close_at in hours:
        local, close = datetime.combine(day, open_at), datetime.combine(day, close_at)
        if offset is None:
            local = _opening(local, zone)
        while local + step <= close:
            if offset is not None:  # the common day: plain arithmetic
                instant: datetime | None = (local - offset).replace(tzinfo=UTC)
            else:
                instant = slot_start(local, step, zone)
            if instant is not None:
                found.append(Slot(instant, instant + step, local))
            local += step
    return found


class DayGrids:
    """Day grids computed before, by (day, zone, hours, minutes), least recently used first:
    a window's slots are the same objects every time it is asked for, not made anew."""

    def __init__(self, capacity: int = GRID_SLOTS_KEPT) -> None:
        self._capacity = capacity
        self._held = 0
        self._grids: OrderedDict[tuple[date, ZoneInfo, tuple[Hours, ...], int], tuple[Slot, ...]]
        self._grids = OrderedDict()

    def of(self, day: date, zone: ZoneInfo, hours: list[Hours], minutes: int) -> tuple[Slot, ...]:
        """`day_slots(day, zone, hours, minutes)`, from memory when computed before."""
        key = (day, zone, tuple(hours), minutes)
        grid = self._grids.get(key)
        if grid is not None:
            self._grids.move_to_end(key)
            return grid
        grid = self._grids[key] = tuple(day_slots(day, zone, hours, minutes))
        self._held += len(grid)
        while self._held > self._capacity:
            self._held -= len(self._grids.popitem(last=False)[1])
        return grid


_day_grids = DayGrids()


def day_grid(day: date, zone: ZoneInfo, hours: list[Hours], minutes: int) -> tuple[Slot, ...]:
    """`day_slots`, from the day grids this process keeps."""
    return _day_grids.of(day, zone, hours, minutes)


def window_slots(
    first_day: date, last_day: date, zone: ZoneInfo, hours_of: HoursOf, minutes: int
) -> list[Slot]:
    """Slots of every local day from `first_day` to `last_day` inclusive."""
    found: list[Slot] = []
    day = first_day
    while day <= last_day:
        found.extend(day_grid(day, zone, hours_of(day), minutes))
        day += timedelta(days=1)
    return found
