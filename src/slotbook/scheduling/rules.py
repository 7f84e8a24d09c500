"""Booking rules as pure decisions: buffers around a claim, and booking limits per day,
per week (from Monday) and per booker.

The database enforces them (the exclusion constraint over claimed ranges, the counter
rows of `booking_counts`); these functions say what each claim must take and what the
slot lists leave out, so both ask the same questions.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from slotbook.scheduling.grid import Slot
from slotbook.scheduling.window import Claims, Interval

#: Longest buffer on either side of a booking (a day).
MAX_BUFFER_MINUTES = 1440
MAX_BUFFER = timedelta(minutes=MAX_BUFFER_MINUTES)

#: an active booking as slot lists weigh it: its start and end, and the buffers (minutes
#: before, after) it was made with
ClaimedTime = tuple[datetime, datetime, int, int]


@dataclass(frozen=True, slots=True)
class Buffers:
    """Time kept free before and after each booking."""

    before_minutes: int = 0
    after_minutes: int = 0

    def around(self, start: datetime, end: datetime) -> Interval:
        """The range a booking of [start, end) claims: its time with its buffers.

        Two active claims of one calendar never overlap, so a booking never starts
        inside another's buffer, nor puts its own buffer over another booking; buffers
        do not overlap each other either (15 after + 15 before: 30 minutes between)."""
        return Interval(
            start - timedelta(minutes=self.before_minutes),
            end + timedelta(minutes=self.after_minutes),
        )


def clear_of(
    candidates: list[Slot], claimed: Claims | list[Interval], buffers: Buffers
) -> list[Slot]:
    """The candidates a booking could claim, with `buffers`, without meeting any of the
    `claimed` ranges (other bookings' time with the buffers they were made with)."""
    ranges = claimed if isinstance(claimed, Claims) else Claims.of(claimed)
    return ranges.free_of(
        candidates,
        before=timedelta(minutes=buffers.before_minutes),
        after=timedelta(minutes=buffers.after_minutes),
    )


def indexed(claimed: Sequence[ClaimedTime]) -> tuple[Claims, Claims]:
    """Bookings (in start order) indexed twice: by their time, and by their claimed range
    (their time with the buffers each was made with; the same index when none has any)."""
    times = Claims([c[0] for c in claimed], [c[1] for c in claimed])
    if not any(before or after for _, _, before, after in claimed):
        return times, times
    return times, Claims.of([Buffers(b, a).around(s, e) for s, e, b, a in claimed])


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday, local


def week_of(day: date) -> date:
    """The Monday that starts `day`'s week."""
    return day - timedelta(days=day.weekday())


def starts_on(period: Period, day: date) -> date:
    return day if period is Period.DAY else week_of(day)


@dataclass(frozen=True, slots=True)
class Quota:
    """One limit a booking on a local day takes a unit of: `booker` empty means the
    whole calendar."""

    period: Period
    starts_on: date
    booker: str
    limit: int

    def refusal(self) -> str:
        """What a client is told when this quota is used up."""
        noun = "booking" if self.limit == 1 else "bookings"
        whose = " per booker" if self.booker else ""
        if self.period is Period.DAY:
            return f"Daily limit of {self.limit} {noun}{whose} reached for {self.starts_on}"
        return (
            f"Weekly limit of {self.limit} {noun}{whose} reached for the week of {self.starts_on}"
        )


@dataclass(frozen=True, slots=True)
class Limits:
    """How many active bookings a calendar takes per local day and week, in all and
    per booker (None: no limit)."""

    per_day: int | None = None
    per_week: int | None = None
    per_booker_per_day: int | None = None
    per_booker_per_week: int | None = None

    @property
    def any(self) -> bool:
        """Whether any limit is set (counters are kept only for those that are)."""
        return any(
            limit is not None
            for limit in (
                self.per_day,
                self.per_week,
                self.per_booker_per_day,
                self.per_booker_per_week,
            )
        )

    def quotas(self, day: date, booker: str | None) -> list[Quota]:
        """The quotas a booking on local `day` by `booker` (None: anonymous, whom no
        per-booker limit can follow) must take."""
        found = [
            Quota(period, starts_on(period, day), "", limit)
            for period, limit in ((Period.DAY, self.per_day), (Period.WEEK, self.per_week))
            if limit is not None
        ]
        if booker:
            found += [
                Quota(period, starts_on(period, day), booker, limit)
                for period, limit in (
                    (Period.DAY, self.per_booker_per_day),
                    (Period.WEEK, self.per_booker_per_week),
                )
                if limit is not None
            ]
        return found

    def full(self, day: date, taken: "Counts", booker: str | None = None) -> bool:
        """Whether a booking on `day` (by `booker`, if known) would exceed a limit, with
        `taken` active bookings counted so far."""
        return any(taken.of(q) >= q.limit for q in self.quotas(day, booker))


def booker_key(email: str | None, user_id: int | None) -> str | None:
    """Who a per-booker limit follows: a signed-in user, else the email in any case."""
    if user_id is not None:
        return f"user:{user_id}"
    if email:
        return f"email:{email.strip().lower()}"
    return None


@dataclass(frozen=True, slots=True)
class Counts:
    """Active bookings per (period, starts_on, booker)."""

    taken: dict[tuple[Period, date, str], int]

    @classmethod
    def of_days(cls, bookings: list[tuple[date, str | None]]) -> "Counts":
        """Count bookings given as (local day, booker key) into every period."""
        taken: dict[tuple[Period, date, str], int] = {}
        for day, booker in bookings:
            for period in Period:
                for who in {"", booker or ""}:
                    key = (period, starts_on(period, day), who)
                    taken[key] = taken.get(key, 0) + 1
        return cls(taken)

    def of(self, quota: Quota) -> int:
        return self.taken.get((quota.period, quota.starts_on, quota.booker), 0)


def within_limits(
    candidates: list[Slot], limits: Limits, taken: Counts, booker: str | None = None
) -> list[Slot]:
    """The candidates on local days (and weeks) that still take a booking."""
    return [s for s in candidates if not limits.full(s.local_start.date(), taken, booker)]
