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
    """Claimed stretches of time, indexed so that an overlap test costs O(log n)."""

    def __init__(self, starts: list[datetime], ends: list[datetime]) -> None:
        """The claims [starts[i], ends[i]), `starts` in time order."""
        self._starts = starts
        # _reach[i]: the latest end among the first i+1 claims
        self._reach = list(itertools.accumulate(ends, max))

    @classmethod
    def of(cls, busy: list[Interval]) -> "Claims":
        ordered = busy if _is_sorted(busy) else sorted(busy, key=lambda b: b.start)
        return cls([b.start for b in ordered], [b.end for b in ordered])

    def free_of(
        self, candidates: list[Slot], *, before: timedelta = NO_TIME, after: timedelta = NO_TIME
    ) -> list[Slot]:
        """The candidates that overlap no claim, each widened by `before` and `after`."""
        starts, reach, find = self._starts, self._reach, bisect.bisect_left
        if not starts:
            return list(candidates)
        if before or after:
            return [
                s
                for s in candidates
                if not ((i := find(starts, s.end + after)) and reach[i - 1] > s.start - before)
            ]
        return [
            s for s in candidates if not ((i := find(starts, s.end)) and reach[i - 1] > s.start)
        ]


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
    return Claims.of(busy).free_of(candidates, before=before, after=after)


def in_window(slots: list[Slot], now: datetime, window: BookingWindow) -> list[Slot]:
    """The slots that start inside the booking window as seen at `now`."""
    earliest, latest = window.earliest(now), window.latest(now)
    return [s for s in slots if earliest <= s.start <= latest]
