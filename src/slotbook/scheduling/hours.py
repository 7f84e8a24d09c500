"""Opening hours of one local day, from weekly rules and date-specific hours."""

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
