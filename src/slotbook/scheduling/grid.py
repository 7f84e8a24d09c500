"""Slots on a wall-clock grid, converted to UTC instants, correct across DST.

A wall time that does not exist (spring forward) is skipped; one that occurs twice
(fall back) is offered once, at its first occurrence. A slot lasts `minutes` of real
time from its start; a slot that would straddle a UTC-offset change is not offered, so
no two slots of a day ever overlap and every slot's wall-clock start and end agree
with its length.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from slotbook.scheduling.hours import Hours

HoursOf = Callable[[date], list[Hours]]


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC
    local_start: datetime  # naive wall clock in the calendar's zone


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def to_instant(local: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a naive wall time in `zone`, or None if it does not exist."""
    aware = local.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local:
        return None
    return instant


def straddles_transition(start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    """Whether the zone's UTC offset changes inside [start, end)."""
    last = end - timedelta(microseconds=1)
    return start.astimezone(zone).utcoffset() != last.astimezone(zone).utcoffset()


@lru_cache(maxsize=65_536)
def steady_offset(day: date, zone: ZoneInfo) -> timedelta | None:
    """The zone's UTC offset on `day` if it holds all day (sampled hourly), else None."""
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    offsets = {(start + timedelta(hours=h)).astimezone(zone).utcoffset() for h in range(26)}
    return offsets.pop() if len(offsets) == 1 else None


def day_slots(day: date, zone: ZoneInfo, hours: list[Hours], minutes: int) -> list[Slot]:
    """Every slot of `minutes` that fits inside `hours` on `day`, in time order."""
    step = timedelta(minutes=minutes)
    midnight = datetime.combine(day, time())
    offset = steady_offset(day, zone)
    utc_midnight = (midnight - offset).replace(tzinfo=UTC) if offset is not None else None
    found: list[Slot] = []
    for open_at, close_at in hours:
        first, last = _minutes(open_at), _minutes(close_at)
        for minute in range(first, last - minutes + 1, minutes):
            since_midnight = timedelta(minutes=minute)
            local = midnight + since_midnight
            if utc_midnight is not None:  # the common day: plain arithmetic
                instant = utc_midnight + since_midnight
            else:
                resolved = to_instant(local, zone)
                if resolved is None or straddles_transition(resolved, resolved + step, zone):
                    continue
                instant = resolved
            found.append(Slot(instant, instant + step, local))
    return found


def window_slots(
    first_day: date, last_day: date, zone: ZoneInfo, hours_of: HoursOf, minutes: int
) -> list[Slot]:
    """Slots of every local day from `first_day` to `last_day` inclusive."""
    found: list[Slot] = []
    day = first_day
    while day <= last_day:
        found.extend(day_slots(day, zone, hours_of(day), minutes))
        day += timedelta(days=1)
    return found
