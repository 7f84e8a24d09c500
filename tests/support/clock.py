"""A clock the test sets: time never passes unless the test says so."""

from datetime import UTC, datetime, timedelta

#: A Wednesday morning, far enough ahead that every booking horizon contains it.
DEFAULT_NOW = datetime(2031, 1, 15, 8, 0, tzinfo=UTC)


class FrozenClock:
    def __init__(self, now: datetime = DEFAULT_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, now: datetime) -> None:
        self.now = now
