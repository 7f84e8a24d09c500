"""This instance's followers of whole calendars (the console's change feed): every change
news the broker carries (from any instance) reaches each follower of its calendar as the
set of local days that changed, coalesced while the follower is busy."""

import asyncio
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date

from slotbook.engine import CalendarDay


class Watch:
    """One follower of one calendar: the days changed since it last looked (None: every
    day, or unknown, after a resync)."""

    def __init__(self) -> None:
        self._days: set[date | None] = set()
        self._heard = asyncio.Event()

    def hear(self, day: date | None) -> None:
        self._days.add(day)
        self._heard.set()

    async def changes(self, within: float) -> set[date | None]:
        """The days changed since the last call, waiting up to `within` seconds for one
        (an empty set: none came)."""
        try:
            async with asyncio.timeout(within):
                await self._heard.wait()
        except TimeoutError:
            return set()
        self._heard.clear()
        days, self._days = self._days, set()
        return days


class CalendarWatchers:
    def __init__(self) -> None:
        self._watches: dict[int, set[Watch]] = {}

    @contextmanager
    def watch(self, calendar_id: int) -> Iterator[Watch]:
        watch = Watch()
        self._watches.setdefault(calendar_id, set()).add(watch)
        try:
            yield watch
        finally:
            watches = self._watches[calendar_id]
            watches.discard(watch)
            if not watches:
                del self._watches[calendar_id]

    def notify(self, days: Iterable[CalendarDay]) -> None:
        for changed in days:
            for watch in self._watches.get(changed.calendar_id, ()):
                watch.hear(changed.day)

    def notify_all(self) -> None:
        for watches in self._watches.values():
            for watch in watches:
                watch.hear(None)
