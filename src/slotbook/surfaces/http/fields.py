"""Request field types shared by the surfaces."""

import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints

from slotbook.errors import (
    CalendarNotFound,
    DomainError,
    EventNotFound,
    InvalidInput,
    SlotNotFound,
)

MAX_ID = 2**31 - 1
#: The dates the service works with: far enough from the ends of the calendar that no
#: zone offset, window or horizon added to them overflows.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)


def parse_id(value: Any) -> int:
    """Ids are opaque to clients: accept a JSON number or a string of digits."""
    if isinstance(value, bool):
        raise ValueError("must be an id")
    if isinstance(value, int):
        number = value
    elif (
        isinstance(value, str)
        and value.strip().isascii()
        and value.strip().isdigit()
        and len(value.strip()) <= 10
    ):
        number = int(value.strip())
    else:
        raise ValueError("must be an id (a number or a string of digits)")
    if not 0 < number <= MAX_ID:
        raise ValueError("must be an id (a positive number)")
    return number


Id = Annotated[int, BeforeValidator(parse_id)]


def known_id(missing: type[DomainError]) -> Callable[[Any], int]:
    """A validator of an id that names something to look up: an id of any form that
    cannot be one (a UUID where ids are numbers, say) is `missing` (a 404 with the
    surface's documented message), as an unknown number would be, never a 422."""

    def parse(value: Any) -> int:
        try:
            return parse_id(value)
        except ValueError:
            raise missing() from None

    return parse


#: ids looked up by surfaces 002 and 003 (CONTRACTS: unknown ids of any form are 404)
ProviderId = Annotated[int, BeforeValidator(known_id(CalendarNotFound))]
EventId = Annotated[int, BeforeValidator(known_id(EventNotFound))]
TimeSlotId = Annotated[int, BeforeValidator(known_id(SlotNotFound))]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=5000)]
OwnerKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
#: Counts in request bodies are JSON numbers: `true` is not 1, `"5"` is not 5.
Count = Annotated[int, Strict()]
Minutes = Annotated[Count, Field(ge=0, le=525_600)]
#: Places one booking may take of an event's time slot (`max_seats_per_booking`).
MAX_SEATS_PER_BOOKING = 1_000
SeatsPerBooking = Annotated[Count, Field(ge=1, le=MAX_SEATS_PER_BOOKING)]
Days = Annotated[Count, Field(gt=0, le=3660)]


def check_supported_day(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be a date between {FIRST_DAY} and {LAST_DAY}")
    return day


def parse_day(value: Any) -> date:
    """`YYYY-MM-DD` exactly (a number is not a date), within the supported range."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return check_supported_day(value)
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError("must be a date written YYYY-MM-DD")
    return check_supported_day(day)


def parse_moment(value: Any) -> Any:
    """An ISO 8601 date-time string (a number is not a time); pydantic parses it."""
    if isinstance(value, datetime) or (isinstance(value, str) and len(value) <= 64):
        return value
    raise ValueError("must be a date-time written YYYY-MM-DDTHH:MM[:SS][+HH:MM]")


def check_supported_moment(moment: datetime) -> datetime:
    check_supported_day(moment.date())
    return moment


def check_wall_moment(moment: datetime) -> datetime:
    """A wall date-time means the calendar's zone: it carries no offset of its own."""
    if moment.tzinfo is not None:
        raise ValueError("must be a wall time in the calendar's zone, without an offset")
    return moment


Day = Annotated[date, BeforeValidator(parse_day)]
Moment = Annotated[datetime, BeforeValidator(parse_moment), AfterValidator(check_supported_moment)]
WallMoment = Annotated[Moment, AfterValidator(check_wall_moment)]

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
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="Skip this many items")]
