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


def day_slots(day: date, zone: ZoneInfo, hours: list[Hours], minutes: int) -> list[Slot]:
    """Every slot of `minutes` that fits inside `hours` on `day`, in time order."""
    step = timedelta(minutes=minutes)
    midnight = datetime.combine(day, time())
    found: list[Slot] = []
    for open_at, close_at in hours:
        first, last = _minutes(open_at), _minutes(close_at)
        for offset in range(first, last - minutes + 1, minutes):
            local = midnight + timedelta(minutes=offset)
            instant = to_instant(local, zone)
            if instant is not None and not straddles_transition(instant, instant + step, zone):
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
