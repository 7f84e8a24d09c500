"""The RFC 5545 recurrence subset a series repeats by, read strictly, expanded in wall
time by python-dateutil's `rrule`.

Supported: `FREQ` (DAILY, WEEKLY, MONTHLY), `INTERVAL`, `COUNT` (at most
`MAX_OCCURRENCES`) or `UNTIL` (a date, a local date-time, or a UTC one ending in `Z`),
and `BYDAY` (plain weekdays, `MO,WE`). Anything else is refused with InvalidInput naming
it, never ignored: a rule read differently from what its author meant would book the
wrong times.

Occurrences are naive wall times: the series is "09:00 in the calendar's zone", so the
same wall time on every date whatever the UTC offset that day; which instant (if any)
that wall time is decides `Calendar.at`.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import islice
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, weekday, weekdays

from slotbook.errors import InvalidInput

MAX_OCCURRENCES = 52
MAX_INTERVAL = 52
#: dateutil's frequency constants (YEARLY = 0 ... SECONDLY = 6)
Frequency = Literal[0, 1, 2, 3, 4, 5, 6]
FREQUENCIES: dict[str, Frequency] = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY}
WEEKDAYS: dict[str, weekday] = {d.__repr__(): d for d in weekdays}
SUPPORTED = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY")


def _refuse(problem: str) -> InvalidInput:
    return InvalidInput(f"rrule: {problem}")


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A parsed rule: how often, and until when (`count` occurrences, or `until`)."""

    freq: Frequency
    interval: int
    count: int | None
    until: datetime | None  # a naive wall time in the calendar's zone
    byday: tuple[weekday, ...]

    def occurrences(self, start: datetime) -> list[datetime]:
        """The wall times from `start` (naive) on; InvalidInput if more than
        MAX_OCCURRENCES."""
        rule = rrule(
            self.freq,
            dtstart=start,
            interval=self.interval,
            count=self.count,
            until=self.until,
            byweekday=self.byday or None,
        )
        times = list(islice(rule, MAX_OCCURRENCES + 1))
        if len(times) > MAX_OCCURRENCES:
            raise _refuse(f"a series has at most {MAX_OCCURRENCES} occurrences; UNTIL gives more")
        if not times:
            raise _refuse("the rule gives no occurrence from start on")
        return times


def _positive(name: str, value: str, most: int) -> int:
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise _refuse(f"{name} must be a whole number from 1 to {most}, not {value!r}")
    return int(value)


def _until(value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as a wall time in `zone`: a date (its end), a local date-time, or UTC (`Z`)."""
    try:
        if len(value) == 8:
            return datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time.max)
        if value.endswith("Z"):
            instant = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            return instant.astimezone(zone).replace(tzinfo=None)
        return datetime.strptime(value, "%Y%m%dT%H%M%S")
    except ValueError:
        raise _refuse(
            f"UNTIL must be YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ, not {value!r}"
        ) from None


def _byday(value: str) -> tuple[weekday, ...]:
    days = value.split(",")
    unknown = [d for d in days if d not in WEEKDAYS]
    if unknown:
        raise _refuse(
            f"BYDAY takes plain weekdays (MO, TU, WE, TH, FR, SA, SU), not {', '.join(unknown)}"
        )
    return tuple(WEEKDAYS[d] for d in dict.fromkeys(days))


def parse(text: str, zone: ZoneInfo) -> Recurrence:
    """Read `text` (e.g. `FREQ=WEEKLY;COUNT=8`); InvalidInput naming the first problem."""
    parts: dict[str, str] = {}
    for part in text.strip().removeprefix("RRULE:").split(";"):
        key, sep, value = part.partition("=")
        key = key.strip().upper()
        if not sep or not key or not value:
            raise _refuse(f"{part!r} is not NAME=VALUE")
        if key not in SUPPORTED:
            raise _refuse(f"{key} is not supported (only {', '.join(SUPPORTED)})")
        if key in parts:
            raise _refuse(f"{key} is given twice")
        parts[key] = value.strip().upper()
    freq = parts.get("FREQ")
    if freq not in FREQUENCIES:
        raise _refuse(f"FREQ must be DAILY, WEEKLY or MONTHLY, not {freq or 'missing'}")
    if ("COUNT" in parts) == ("UNTIL" in parts):
        raise _refuse("give exactly one of COUNT and UNTIL")
    return Recurrence(
        freq=FREQUENCIES[freq],
        interval=_positive("INTERVAL", parts.get("INTERVAL", "1"), MAX_INTERVAL),
        count=_positive("COUNT", parts["COUNT"], MAX_OCCURRENCES) if "COUNT" in parts else None,
        until=_until(parts["UNTIL"], zone) if "UNTIL" in parts else None,
        byday=_byday(parts["BYDAY"]) if "BYDAY" in parts else (),
    )


def check_until_within(recurrence: Recurrence, last_day: date) -> None:
    """Refuse an UNTIL after `last_day` (the calendar's horizon)."""
    if recurrence.until is not None and recurrence.until.date() > last_day:
        raise _refuse(f"UNTIL must be within the booking horizon (on or before {last_day})")
