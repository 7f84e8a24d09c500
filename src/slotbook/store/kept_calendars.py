"""The calendars a process has read, kept in memory (one store per engine).

Two uses, two kinds of trust:
- a claim on a kept calendar (`booking.claims.claim_kept_time`) names the calendar's
  `version`, a random token every change of the row replaces, and writes nothing if the
  row is not at that version: any kept copy will do, however old;
- a read outside any transaction (a slot list, a provider) answers from a kept copy
  without asking the database if it is `fresh`: read within `TRUSTED_FOR_READS_SECONDS`,
  and no news of a change to the calendar heard since. Every change made through
  slotbook sends that news to every instance (the same news that drives live updates),
  so a copy is out of date at most as long as news takes to arrive; a change made
  straight in the database shows within the trust period.

A read that began before something was forgotten keeps nothing (it may have read the
row as it was before the change), so a copy is never kept past the news of a change.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from slotbook.calendars.model import Calendar

#: the most calendars kept: past this, the longest kept goes
CALENDARS_KEPT = 4096
#: how long a kept calendar may answer reads without the database being asked again
TRUSTED_FOR_READS_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class _Kept:
    calendar: Calendar
    read_at: float  # on the store's monotonic clock


class KeptCalendars:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._by_id: dict[int, _Kept] = {}
        self._ids: dict[tuple[str, str], int] = {}  # by (kind, owner key)
        self._forgettings = 0

    @property
    def forgettings(self) -> int:
        """How many times something was forgotten: a read notes it before it starts."""
        return self._forgettings

    def keep(self, calendar: Calendar, *, read_after: int) -> Calendar:
        """`calendar` as a read that started at `forgettings` == `read_after` found it;
        kept unless something was forgotten since."""
        if read_after == self._forgettings:
            self._by_id.pop(calendar.id, None)  # the newest read is the last to go
            self._by_id[calendar.id] = _Kept(calendar, self._clock())
            if calendar.owner_key is not None:
                self._ids[calendar.kind, calendar.owner_key] = calendar.id
            while len(self._by_id) > CALENDARS_KEPT:
                gone = self._by_id.pop(next(iter(self._by_id))).calendar
                if self._ids.get((gone.kind, gone.owner_key or "")) == gone.id:
                    del self._ids[gone.kind, gone.owner_key or ""]
        return calendar

    def get(
        self,
        kind: str | None,
        *,
        calendar_id: int | None = None,
        owner_key: str | None = None,
        fresh: bool = False,
    ) -> Calendar | None:
        """The calendar of this kind (None: any) with this id, or of this kind with this
        owner key, as last read, if kept; `fresh`: only if it may answer a read (see the
        module's note)."""
        if calendar_id is None and kind is not None and owner_key is not None:
            calendar_id = self._ids.get((kind, owner_key))
        kept = self._by_id.get(calendar_id) if calendar_id is not None else None
        if kept is None or (kind is not None and kept.calendar.kind != kind):
            return None
        if owner_key is not None and kept.calendar.owner_key != owner_key:
            return None
        if fresh and self._clock() - kept.read_at > TRUSTED_FOR_READS_SECONDS:
            return None
        return kept.calendar

    def forget(self, calendar_id: int | None) -> None:
        """Stop trusting what is kept of this calendar (None: of every one)."""
        self._forgettings += 1
        if calendar_id is None:
            self._by_id.clear()
            self._ids.clear()
        else:
            self._by_id.pop(calendar_id, None)
