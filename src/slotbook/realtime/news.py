"""News of a change between processes: "these calendar-days changed", as one JSON text,
and what every broker shares."""

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from functools import cache
from typing import Any

import orjson

from slotbook.engine import CalendarDay

log = logging.getLogger("slotbook.realtime")

#: hands news to this instance's listeners; the result completes once they are served
Deliver = Callable[[Iterable[CalendarDay]], Awaitable[Any]]
#: refreshes everything (after news may have been missed)
Resync = Callable[[], Awaitable[Any]]

OK = "ok"
#: seconds between tries to listen again (short: a listener that is back late refreshes
#: everything, but until then its clients see nothing new)
RECONNECT_DELAYS = (0.1, 0.2, 0.5)
FIRST_SUBSCRIBE_TIMEOUT = 5.0


def encode(origin: str, days: Iterable[CalendarDay]) -> str:
    days_named = [[d.calendar_id, d.day.isoformat() if d.day else None] for d in days]
    return orjson.dumps({"origin": origin, "days": days_named}).decode()


class NotNews(ValueError):
    """A message on the change channel that is not news of a change."""


def decode(raw: str | bytes) -> tuple[str, frozenset[CalendarDay]]:
    """(origin, days) of a message; NotNews if it is anything else."""
    try:
        message = orjson.loads(raw)
        return str(message["origin"]), frozenset(
            CalendarDay(int(cid), date.fromisoformat(day) if day else None)
            for cid, day in message["days"]
        )
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # deep nesting: the last
        raise NotNews(type(exc).__name__) from exc


@cache
def _own_prefix(origin: str) -> str:
    """How every message `encode` makes for `origin` begins."""
    return encode(origin, ())[: -len(',"days":[]}')]


def hear(raw: str | bytes, *, own_origin: str, deliver: Deliver, source: str) -> None:
    """Hand a message from `source` to `deliver`, unless it is this instance's own news
    (delivered when published; known by how it begins, without decoding it: an instance
    hears every change it makes) or not news at all (logged and skipped). Never raises:
    whatever one message was, the next must still be heard."""
    prefix = _own_prefix(own_origin)
    own = raw.startswith(prefix) if isinstance(raw, str) else raw.startswith(prefix.encode())
    if own:
        return
    try:
        origin, days = decode(raw)
    except NotNews as exc:
        log.warning("ignoring a message on %s that is not news (%s)", source, exc)
        return
    if origin == own_origin:
        return
    try:
        deliver(days)
    except Exception:
        log.exception("could not deliver news from %s", source)
