"""Opening hours of one local day, from weekly rules and date-specific hours."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time

Hours = tuple[time, time]


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Open from `start` to `end` (wall clock) every `weekday` (Monday = 0)."""

    weekday: int
    start: time
    end: time
    valid_from: date | None = None
    valid_until: date | None = None

    def applies_to(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or day >= self.valid_from)
            and (self.valid_until is None or day <= self.valid_until)
        )


@dataclass(frozen=True, slots=True)
class DateHours:
    """Hours on one date. `replace` ones stand instead of the weekly rules (with no
    start/end: closed that day); the others (`replace=False`) are added to them."""

    on: date
    start: time | None
    end: time | None
    replace: bool


def merge(hours: list[Hours]) -> list[Hours]:
    """Sort and join overlapping or touching intervals."""
    merged: list[Hours] = []
    for start, end in sorted(hours):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def compact(
    rules: list[WeeklyRule], dates: list[DateHours]
) -> tuple[list[WeeklyRule], list[DateHours]]:
    """The same opening hours, stored small: overlapping or touching ranges of one weekday
    (same validity) or of one date (same kind) joined, and a date's "closed" marker dropped
    where that date has replacement hours anyway."""
    weekly: dict[tuple[int, date | None, date | None], list[Hours]] = defaultdict(list)
    for rule in rules:
        weekly[(rule.weekday, rule.valid_from, rule.valid_until)].append((rule.start, rule.end))
    dated: dict[tuple[date, bool], list[Hours]] = defaultdict(list)
    closed: set[date] = set()
    for hours in dates:
        if hours.start is not None and hours.end is not None:
            dated[(hours.on, hours.replace)].append((hours.start, hours.end))
        else:
            closed.add(hours.on)
    return (
        [
            WeeklyRule(weekday, start, end, valid_from, valid_until)
            for (weekday, valid_from, valid_until), ranges in weekly.items()
            for start, end in merge(ranges)
        ],
        [DateHours(on, None, None, True) for on in sorted(closed) if (on, True) not in dated]
        + [
            DateHours(on, start, end, replace)
            for (on, replace), ranges in dated.items()
            for start, end in merge(ranges)
        ],
    )


def opening_hours(day: date, rules: list[WeeklyRule], specific: list[DateHours]) -> list[Hours]:
    """The wall-clock intervals a calendar is open on `day`, merged and sorted."""
    todays = [h for h in specific if h.on == day]
    replacements = [h for h in todays if h.replace]
    if replacements:
        base = [(h.start, h.end) for h in replacements if h.start and h.end]
    else:
        base = [(r.start, r.end) for r in rules if r.applies_to(day)]
    extra = [(h.start, h.end) for h in todays if not h.replace and h.start and h.end]
    return merge(base + extra)
