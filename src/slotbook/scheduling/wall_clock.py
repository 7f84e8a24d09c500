"""What a wall-clock time means in an IANA zone: the one rule every path asks.

A wall time (a naive local date and time) is one of three kinds:

- it **exists**: it happens once, at one instant;
- it falls in a **gap**: the clocks jump over it (spring forward, or a zone changing its
  offset at midnight) and it never happens;
- it falls in a **fold**: the clocks go back over it and it happens twice.

`read_wall_time` decides which, from the zone's data only (any offset, any hour of the
day, half hours and negative DST alike). On it: `slot_start` places a slot of a given
length at a wall time (its first occurrence from which the slot reads on one UTC offset,
`keeps_offset`), and `start_of` turns a wall time into the instant a booking starting
then begins (where the slot would, else the first occurrence). The grid and every
booking path call these, so what is offered is what a wall time books.

A local date always exists even when its midnight does not: `local_day_bounds` gives
the instants a run of local dates really begins and ends.
"""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache

_TICK = timedelta(microseconds=1)


class Kind(StrEnum):
    EXISTS = "exists"
    GAP = "gap"
    FOLD = "fold"


@dataclass(frozen=True, slots=True)
class WallTime:
    """A naive wall time read in a zone.

    `occurrences` are its UTC instants, earliest first: none in a gap, two in a fold.
    In a gap, `resumes_at` is the instant the clocks jump over it: the first instant
    whose wall time comes after it.
    """

    local: datetime
    occurrences: tuple[datetime, ...]
    resumes_at: datetime | None = None

    @property
    def kind(self) -> Kind:
        return (Kind.GAP, Kind.EXISTS, Kind.FOLD)[len(self.occurrences)]


def offset_at(instant: datetime, zone: tzinfo) -> timedelta:
    """The zone's UTC offset at an aware instant."""
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _utc(local: datetime, offset: timedelta) -> datetime:
    return (local - offset).replace(tzinfo=UTC)


def _transition_between(lo: datetime, hi: datetime, zone: tzinfo) -> datetime:
    """The first instant in (lo, hi] with hi's offset (tz data changes on whole seconds)."""
    before = offset_at(lo, zone)
    low, high = math.floor(lo.timestamp()), math.ceil(hi.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if offset_at(datetime.fromtimestamp(middle, UTC), zone) == before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def read_wall_time(local: datetime, zone: tzinfo) -> WallTime:
    """Whether naive wall time `local` exists in `zone`, is skipped, or happens twice."""
    local = local.replace(tzinfo=None, fold=0)
    first = local.replace(tzinfo=zone).utcoffset()
    second = local.replace(tzinfo=zone, fold=1).utcoffset()
    assert first is not None and second is not None
    if first == second:
        return WallTime(local, (_utc(local, first),))
    if first > second:  # the clocks went back: once on the earlier offset, once on the later
        return WallTime(local, (_utc(local, first), _utc(local, second)))
    # In a gap `first` is the offset before the jump, `second` the one after: the jump
    # happened after `local` read on the later offset, at or before it read on the earlier.
    jump = _transition_between(_utc(local, second), _utc(local, first), zone)
    return WallTime(local, (), resumes_at=jump)


def keeps_offset(start: datetime, length: timedelta, zone: tzinfo) -> bool:
    """Whether the stretch [start, start + length) reads on one UTC offset throughout, so
    it lasts `length` by the wall clock too. Its end may be the very instant the clocks
    change. (No zone changes its offset twice within a day, so the two ends decide.)"""
    return offset_at(start, zone) == offset_at(start + length - _TICK, zone)


def _first_fitting(
    occurrences: tuple[datetime, ...], length: timedelta, zone: tzinfo
) -> datetime | None:
    return next((i for i in occurrences if keeps_offset(i, length, zone)), None)


@lru_cache(maxsize=65_536)
def steady_offset(day: date, zone: tzinfo) -> timedelta | None:
    """The zone's UTC offset on `day` if it holds all day (sampled hourly), else None."""
    start, end = local_day_bounds(zone, day)
    if end - start != timedelta(days=1):
        return None
    offsets = {offset_at(start + timedelta(hours=h), zone) for h in range(24)}
    offsets.add(offset_at(end, zone))
    return offsets.pop() if len(offsets) == 1 else None


def _steady_start(local: datetime, length: timedelta, zone: tzinfo) -> datetime | None:
    """The common case, by plain arithmetic: where something of `length` starting at wall
    time `local` begins when its day reads on one offset throughout and it ends within
    that day (it exists once and keeps that offset); None when it is not that case."""
    local = local.replace(tzinfo=None, fold=0)
    day = local.date()
    offset = steady_offset(day, zone)
    if offset is None or local + length > datetime.combine(day + timedelta(days=1), time()):
        return None
    return _utc(local, offset)


def slot_start(local: datetime, length: timedelta, zone: tzinfo) -> datetime | None:
    """Where a slot of `length` at wall time `local` starts: its first occurrence from
    which it keeps one offset to its end (`keeps_offset`); None if there is none (a gap,
    or every occurrence runs into a change of offset)."""
    steady = _steady_start(local, length, zone)
    if steady is not None:
        return steady
    return _first_fitting(read_wall_time(local, zone).occurrences, length, zone)


def start_of(local: datetime, length: timedelta, zone: tzinfo) -> datetime | None:
    """The instant something lasting `length` that starts at wall time `local` begins:
    where a slot there would (`slot_start`), else the first occurrence; None in a gap."""
    steady = _steady_start(local, length, zone)
    if steady is not None:
        return steady
    occurrences = read_wall_time(local, zone).occurrences
    fitting = _first_fitting(occurrences, length, zone)
    if fitting is not None or not occurrences:
        return fitting
    return occurrences[0]


def first_instant_at_or_after(local: datetime, zone: tzinfo) -> datetime:
    """The first instant whose wall time is `local`, or, if the clocks skip `local`, the
    instant they jump over it."""
    wall = read_wall_time(local, zone)
    if wall.occurrences:
        return wall.occurrences[0]
    assert wall.resumes_at is not None  # a gap always says where the clocks land
    return wall.resumes_at


@lru_cache(maxsize=65_536)
def _day_start(day: date, zone: tzinfo) -> datetime:
    return first_instant_at_or_after(datetime.combine(day, time()), zone)


def local_day_bounds(
    zone: tzinfo, first: date, last: date | None = None
) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of the local dates `first`..`last` (default: `first`
    alone) in `zone`: from the instant `first` really begins (its midnight, or where the
    clocks jump to when its midnight is skipped) to the instant the day after `last`
    begins — not midnight plus 24 hours."""
    last = first if last is None else last
    return _day_start(first, zone), _day_start(last + timedelta(days=1), zone)
