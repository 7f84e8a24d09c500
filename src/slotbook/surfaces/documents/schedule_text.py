"""Surface 004's schedule notation: day codes (`M-F`, `Th`, `Sa,Su`) and times (`9am`,
`9:30am`, `5pm`, `17:00`)."""

import re
from datetime import time
from typing import Annotated, Any

from pydantic import BeforeValidator

DAY_CODES = {"m": 0, "t": 1, "w": 2, "th": 3, "f": 4, "sa": 5, "su": 6}
DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_TWELVE_HOUR = re.compile(r"^(\d{1,2})(?::([0-5]\d))?\s*([ap])\.?m\.?$", re.IGNORECASE)
_TWENTY_FOUR_HOUR = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _day(code: str) -> int:
    key = code.strip().lower()
    day = DAY_CODES.get(key, DAY_NAMES.get(key))
    if day is None:
        raise ValueError(
            f"unknown day code {code.strip()!r}: use M T W Th F Sa Su, single or ranges like M-F"
        )
    return day


def parse_days(value: Any) -> list[int]:
    """Weekdays (Monday = 0) named by codes like `M-F`, `Th` or `M,W,F`; a range may wrap
    (`F-M` is Friday to Monday)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be day codes like M-F, Th or Sa,Su")
    days: set[int] = set()
    for item in value.split(","):
        first, sep, last = item.partition("-")
        if not sep:
            days.add(_day(first))
            continue
        start, end = _day(first), _day(last)
        days.update((start + n) % 7 for n in range((end - start) % 7 + 1))
    return sorted(days)


def parse_time_of_day(value: Any) -> time:
    """`9am`, `9:30am`, `12pm` (noon), `12am` (midnight), or 24-hour `17:00`."""
    text = value.strip() if isinstance(value, str) else ""
    if match := _TWELVE_HOUR.match(text):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if 1 <= hour <= 12:
            return time(hour % 12 + (12 if match.group(3).lower() == "p" else 0), minute)
    elif match := _TWENTY_FOUR_HOUR.match(text):
        return time(int(match.group(1)), int(match.group(2)))
    raise ValueError(f"{value!r} is not a time like 9am, 9:30am, 5pm or 17:00")


DayCodes = Annotated[list[int], BeforeValidator(parse_days)]
TimeOfDay = Annotated[time, BeforeValidator(parse_time_of_day)]
