"""Which slots are free: existing claims, `now`, minimum notice and booking horizon."""

import bisect
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from slotbook.scheduling.grid import Slot

NO_TIME = timedelta(0)


@dataclass(frozen=True, slots=True)
class Interval:
    """A claimed stretch of time [start, end) in UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class BookingWindow:
    """When a calendar takes bookings, relative to `now`."""

    min_notice: timedelta
    horizon: timedelta

    def earliest(self, now: datetime) -> datetime:
        return now + self.min_notice

    def latest(self, now: datetime) -> datetime:
        return now + self.horizon


class Claims:
    """Claimed intervals, indexed so that an overlap test costs O(log n)."""

    def __init__(self, busy: list[Interval]) -> None:
        ordered = busy if _is_sorted(busy) else sorted(busy, key=lambda b: b.start)
        self._starts = [b.start for b in ordered]
        # _reach[i]: the latest end among the first i+1 intervals
        self._reach = list(itertools.accumulate((b.end for b in ordered), max))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether [start, end) overlaps any claim."""
        i = bisect.bisect_left(self._starts, end)
        return i > 0 and self._reach[i - 1] > start


def _is_sorted(busy: list[Interval]) -> bool:
    return all(a.start <= b.start for a, b in itertools.pairwise(busy))


def unclaimed(
    candidates: list[Slot],
    busy: list[Interval],
    *,
    before: timedelta = NO_TIME,
    after: timedelta = NO_TIME,
) -> list[Slot]:
    """The candidates that overlap no claim, each widened by `before` and `after` (the
    buffers a booking of it would claim; `busy` holds claimed ranges, buffers included)."""
    claims = Claims(busy)
    return [s for s in candidates if not claims.overlaps(s.start - before, s.end + after)]


def in_window(slots: list[Slot], now: datetime, window: BookingWindow) -> list[Slot]:
    """The slots that start inside the booking window as seen at `now`."""
    earliest, latest = window.earliest(now), window.latest(now)
    return [s for s in slots if earliest <= s.start <= latest]
