"""The calendars an engine has read, kept in memory for claims (one store per engine).

A claim on a kept calendar (`booking.claims.claim_kept_time`) names the calendar's
`version`, a random token every change of the row replaces, and writes nothing if the row
is not at that version: any kept copy will do, however old. A copy is forgotten when this
engine changes the calendar or hears news of a change from another instance (the news
that drives live updates), so claims rarely try a version that is gone.

Reads never answer from a kept copy: a slot list on one instance right after a change
committed on another must show the change (as every cached answer does, see "several
instances" in the README), and news takes a moment to arrive.
"""

from slotbook.calendars.model import Calendar

#: the most calendars kept: past this, the longest kept goes
CALENDARS_KEPT = 4096


class KeptCalendars:
    def __init__(self) -> None:
        self._by_id: dict[int, Calendar] = {}
        self._ids: dict[tuple[str, str], int] = {}  # by (kind, owner key)

    def keep(self, calendar: Calendar) -> Calendar:
        """`calendar` as just read, kept."""
        self._by_id.pop(calendar.id, None)  # the newest read is the last to go
        self._by_id[calendar.id] = calendar
        if calendar.owner_key is not None:
            self._ids[calendar.kind, calendar.owner_key] = calendar.id
        while len(self._by_id) > CALENDARS_KEPT:
            gone = self._by_id.pop(next(iter(self._by_id)))
            if self._ids.get((gone.kind, gone.owner_key or "")) == gone.id:
                del self._ids[gone.kind, gone.owner_key or ""]
        return calendar

    def get(
        self, kind: str, *, calendar_id: int | None = None, owner_key: str | None = None
    ) -> Calendar | None:
        """The calendar of this kind with this id or owner key as last read, if kept (it
        may have changed since: a claim checks its `version`)."""
        if calendar_id is None and owner_key is not None:
            calendar_id = self._ids.get((kind, owner_key))
        kept = self._by_id.get(calendar_id) if calendar_id is not None else None
        if kept is None or kept.kind != kind:
            return None
        if owner_key is not None and kept.owner_key != owner_key:
            return None
        return kept

    def forget(self, calendar_id: int | None) -> None:
        """Stop trusting what is kept of this calendar (None: of every one)."""
        if calendar_id is None:
            self._by_id.clear()
            self._ids.clear()
        else:
            self._by_id.pop(calendar_id, None)
