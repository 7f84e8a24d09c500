"""Every zone's offset changes, and an oracle for wall times that only ever converts UTC
instants to wall time (never wall time to UTC, which is what the code under test does)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

FIRST, END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2036, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)

#: Zones whose clocks skip midnight (00:00 becomes 01:00): the day, and the instant it
#: really begins.
MIDNIGHT_GAPS = [
    ("America/Santiago", date(2027, 9, 5), datetime(2027, 9, 5, 4, tzinfo=UTC)),
    ("Asia/Beirut", date(2027, 3, 28), datetime(2027, 3, 27, 22, tzinfo=UTC)),
    ("America/Havana", date(2027, 3, 14), datetime(2027, 3, 14, 5, tzinfo=UTC)),
]


def offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    return instant.astimezone(zone).utcoffset()  # type: ignore[return-value]


def wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


@dataclass(frozen=True)
class Change:
    """At `at` the zone's offset goes from `before` to `after`."""

    at: datetime
    before: timedelta
    after: timedelta


def changes(zone: ZoneInfo) -> list[Change]:
    """Every offset change in [FIRST, END): a daily scan, then bisection to the second.
    (No zone changes its offset twice within two days in these years; checked below.)"""
    found = []
    day, previous = FIRST, offset(FIRST, zone)
    while day < END:
        following = day + timedelta(days=1)
        now = offset(following, zone)
        if now != previous:
            low, high = day, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle, zone) == previous else (low, middle)
            found.append(Change(high.replace(microsecond=0), previous, now))
            previous = now
        day = following
    return found


@cache
def every_change() -> dict[str, list[Change]]:
    return {name: changes(ZoneInfo(name)) for name in sorted(available_timezones())}


def days_touched(change: Change, zone: ZoneInfo) -> set[date]:
    """The local dates whose wall clock the change moves: where it leaves and lands."""
    return {wall(change.at - TICK, zone).date(), wall(change.at, zone).date()}


class Oracle:
    """Wall times of one zone around one day, read only by converting UTC to wall time."""

    def __init__(self, zone: ZoneInfo, nearby: list[Change]) -> None:
        self.zone = zone
        self.changes = nearby
        self.offsets = {c.before for c in nearby} | {c.after for c in nearby}
        self._seen: dict[datetime, list[datetime]] = {}

    def occurrences(self, local: datetime) -> list[datetime]:
        """Every instant whose wall time is `local`, earliest first."""
        if local not in self._seen:
            candidates = ((local - o).replace(tzinfo=UTC) for o in self.offsets)
            self._seen[local] = sorted(i for i in candidates if wall(i, self.zone) == local)
        return self._seen[local]

    def plain(self, local: datetime, length: timedelta) -> list[datetime]:
        """The occurrences of `local` from which the slot [start, start + length) reads on
        one offset: its start exists and its end is start + length on the same clock (the
        end may be the instant the clocks change). No change falls strictly inside."""
        return [
            start
            for start in self.occurrences(local)
            if not any(start < c.at < start + length for c in self.changes)
            and offset(start, self.zone) == offset(start + length - TICK, self.zone)
        ]

    def first_existing(self, local: datetime) -> datetime:
        """`local`, or the wall time the clocks jump to if they skip it."""
        if self.occurrences(local):
            return local
        for change in self.changes:
            if change.at + change.before <= local.replace(tzinfo=UTC) < change.at + change.after:
                return wall(change.at, self.zone)
        raise AssertionError(f"{local} neither exists nor falls in a gap")


def transition_days() -> Iterator[tuple[str, date, list[Change]]]:
    """(zone name, local date, the changes within two days of it) for every local date
    an offset change touches, in every zone."""
    for name, found in every_change().items():
        zone = ZoneInfo(name)
        for day in sorted({d for c in found for d in days_touched(c, zone)}):
            nearby = [c for c in found if abs(c.at.date() - day) <= timedelta(days=2)]
            yield name, day, nearby
