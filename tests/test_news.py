"""News between instances as `hear` takes it: another instance's news is delivered, this
instance's own is not (it was delivered when published), whether it came as text
(PostgreSQL's NOTIFY) or bytes (Redis)."""

from datetime import date

import pytest

from slotbook.engine import CalendarDay
from slotbook.realtime.news import encode, hear

ORIGIN = "4f6e"
CHANGED = frozenset({CalendarDay(7, date(2031, 1, 20)), CalendarDay(8, None)})


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize(
    ("origin", "delivered"),
    [(ORIGIN, False), ("other", True), (ORIGIN + "0", True), (ORIGIN[:-1], True)],
)
def test_only_other_instances_news_is_delivered(origin, delivered, as_bytes):
    heard: list[frozenset[CalendarDay]] = []

    def deliver(days):
        heard.append(frozenset(days))

    message = encode(origin, CHANGED)
    hear(message.encode() if as_bytes else message, own_origin=ORIGIN, deliver=deliver, source="t")
    assert heard == ([CHANGED] if delivered else [])
