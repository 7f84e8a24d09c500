"""Request field types shared by the surfaces."""

import re
from datetime import time
from typing import Annotated, Any

from fastapi import Query
from pydantic import BeforeValidator, Field, StringConstraints

from slotbook.errors import InvalidInput

MAX_ID = 2**31 - 1


def parse_id(value: Any) -> int:
    """Ids are opaque to clients: accept a JSON number or a string of digits."""
    if isinstance(value, bool):
        raise ValueError("must be an id")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 10:
        number = int(value.strip())
    else:
        raise ValueError("must be an id (a number or a string of digits)")
    if not 0 < number <= MAX_ID:
        raise ValueError("must be an id (a positive number)")
    return number


Id = Annotated[int, BeforeValidator(parse_id)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=5000)]
OwnerKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Minutes = Annotated[int, Field(ge=0, le=525_600)]
#: Places one booking may take of an event's time slot (`max_seats_per_booking`).
MAX_SEATS_PER_BOOKING = 1_000
SeatsPerBooking = Annotated[int, Field(ge=1, le=MAX_SEATS_PER_BOOKING)]
Days = Annotated[int, Field(gt=0, le=3660)]

_HOUR = re.compile(r"^([01]\d|2[0-3]):00$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def parse_hour(value: Any) -> time:
    """`HH:00`, a whole hour of the day."""
    if not isinstance(value, str) or not _HOUR.match(value):
        raise ValueError("must be a whole hour written HH:00")
    return time(int(value[:2]))


def parse_clock(value: str, field: str = "time") -> time:
    """`HH:MM` (or `HH:MM:SS`, seconds zero): a wall-clock time; InvalidInput otherwise."""
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match or (match.group(3) not in (None, "00")):
        raise InvalidInput(f"Invalid {field} format, expected HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


def parse_wall_time(value: Any) -> time:
    """`HH:MM` or `HH:MM:SS` (seconds zero), as a request field."""
    try:
        return parse_clock(value)
    except InvalidInput as exc:
        raise ValueError("must be a time written HH:MM or HH:MM:SS") from exc


HourOfDay = Annotated[time, BeforeValidator(parse_hour)]
WallTime = Annotated[time, BeforeValidator(parse_wall_time)]

#: Paging of list endpoints: `?limit=` (1-500, default 50) and `?offset=`.
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many items")]
Offset = Annotated[int, Query(ge=0, description="Skip this many items")]
